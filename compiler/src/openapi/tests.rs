//! Tests of the OpenAPI view: dialect detection, operations, parameters, bodies, Swagger 2.0
//! conversion and schema normalisation.

use std::path::Path;

use expect_test::{Expect, expect};

use super::*;
use crate::load::load_str;

/// Loads `text` as `spec.yaml` (or `.json`) and hands the view (if any) to `f` with the rendered
/// diagnostic summary.
fn with_api(text: &str, f: impl FnOnce(Option<&Api<'_>>, &str, &SourceMap)) {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let name = if text.trim_start().starts_with('{') {
        "spec.json"
    } else {
        "spec.yaml"
    };
    // A relative name: shown as is in locations (the working directory is stripped).
    let doc = load_str(Path::new(name), text, &mut sources, &mut diags).expect("loads");
    let api = Api::from_document(&doc, &sources, &mut diags);
    let summary: String = diags
        .sorted()
        .into_iter()
        .map(|d| {
            let at = d
                .primary
                .as_ref()
                .map_or_else(String::new, |l| format!(" at {}", sources.location(l.span)));
            format!("{:?} {}{at}: {}\n", d.severity, d.code, d.message)
        })
        .collect();
    f(api.as_ref(), &summary, &sources);
}

fn check_diags(text: &str, expect: &Expect) {
    with_api(text, |_, diags, _| expect.assert_eq(diags));
}

/// The normalised schema of the first operation's first parameter or body media type.
fn first_schema(api: &Api<'_>) -> String {
    let op = &api.operations[0];
    let schema = op
        .parameters
        .first()
        .and_then(|p| p.schema.as_ref())
        .or_else(|| {
            op.request_body
                .as_ref()
                .and_then(|b| b.content[0].schema.as_ref())
        })
        .expect("a schema");
    serde_json::to_string_pretty(&schema.json()).unwrap()
}

fn check_body_schema(text: &str, expect: &Expect) {
    with_api(text, |api, diags, _| {
        assert!(!diags.contains("Error"), "{diags}");
        expect.assert_eq(&first_schema(api.unwrap()));
    });
}

#[test]
fn detects_the_three_dialects() {
    for (text, dialect, version) in [
        (
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
            Dialect::OpenApi30,
            "3.0.3",
        ),
        (
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n",
            Dialect::OpenApi31,
            "3.1.0",
        ),
        (
            "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
            Dialect::Swagger2,
            "2.0",
        ),
        (
            "swagger: 2.0\ninfo: {title: t, version: 1.0}\npaths: {}\n",
            Dialect::Swagger2,
            "2.0",
        ),
        (
            "{\"swagger\": \"2.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}}",
            Dialect::Swagger2,
            "2.0",
        ),
    ] {
        with_api(text, |api, diags, _| {
            assert_eq!(diags, "", "{text}");
            let api = api.unwrap();
            assert_eq!(api.dialect, dialect);
            assert_eq!(api.spec_version.value, version);
        });
    }
    // `version: 1.0` is a number in YAML; the text as written is kept.
    with_api(
        "swagger: 2.0\ninfo: {title: t, version: 1.0}\npaths: {}\n",
        |api, _, _| {
            assert_eq!(api.unwrap().version.as_ref().unwrap().value, "1.0");
        },
    );
}

#[test]
fn unknown_or_missing_versions_are_errors_with_a_hint() {
    check_diags(
        "openapi: 3.2.0\npaths: {}\n",
        &expect![[r##"
            Error gwc::openapi::unsupported_version at spec.yaml:1:10: unsupported openapi version `3.2.0`
        "##]],
    );
    check_diags(
        "swagger: '1.2'\n",
        &expect![[r##"
            Error gwc::openapi::unsupported_version at spec.yaml:1:10: unsupported swagger version `1.2`
        "##]],
    );
    check_diags(
        "info: {title: t}\npaths: {}\n",
        &expect![[r##"
            Error gwc::openapi::missing_version at spec.yaml:1:1: not an OpenAPI document: no `openapi` or `swagger` version key
        "##]],
    );
    check_diags(
        "- a\n- b\n",
        &expect![[r##"
            Error gwc::openapi::wrong_type at spec.yaml:1:1: an OpenAPI document is a mapping, this one is a sequence
        "##]],
    );
    with_api("openapi: 4.0.0\n", |api, _, _| assert!(api.is_none()));
}

#[test]
fn lenient_info_strict_paths_and_webhooks_noted() {
    check_diags(
        "openapi: 3.0.3\ninfo: {title: t}\npaths: {}\n",
        &expect![[r##"
            Warning gwc::openapi::missing_info at spec.yaml:2:1: `info.version` is missing
        "##]],
    );
    check_diags(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n",
        &expect![[r##"
            Error gwc::openapi::missing_paths at spec.yaml:1:1: no `paths`
        "##]],
    );
    check_diags(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks:\n  a: {post: {}}\n  b: {post: {}}\n",
        &expect![[r##"
            Note gwc::openapi::webhooks_skipped at spec.yaml:3:1: 2 webhooks described here are not served
        "##]],
    );
    with_api(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {a: {post: {}}}\n",
        |api, _, _| {
            let api = api.unwrap();
            assert_eq!(api.webhooks, 1);
            assert!(api.operations.is_empty());
        },
    );
}

#[test]
fn servers_from_3x_variables_and_swagger_host() {
    with_api(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nservers:\n  - url: 'https://{region}.example.com/{base}'\n    variables:\n      region: {default: eu}\n      base: {default: v1, enum: [v1, v2]}\n  - url: /relative\n",
        |api, diags, sources| {
            assert_eq!(diags, "");
            let api = api.unwrap();
            let urls: Vec<_> = api.servers.iter().map(|s| s.url.as_str()).collect();
            assert_eq!(urls, ["https://eu.example.com/v1", "/relative"]);
            assert_eq!(sources.location(api.servers[1].span), "spec.yaml:9:10");
        },
    );
    with_api(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\nhost: api.example.com\nbasePath: /v2/\nschemes: [http, https]\npaths: {}\n",
        |api, _, _| {
            let urls: Vec<_> = api.unwrap().servers.iter().map(|s| s.url.clone()).collect();
            assert_eq!(
                urls,
                ["http://api.example.com/v2", "https://api.example.com/v2"]
            );
        },
    );
    with_api(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\nbasePath: /v2\npaths: {}\n",
        |api, _, _| assert_eq!(api.unwrap().servers[0].url, "/v2"),
    );
    check_diags(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nservers: {url: x}\n",
        &expect![[r##"
            Warning gwc::openapi::wrong_type at spec.yaml:4:10: `servers` must be a sequence, this is a mapping; ignored
        "##]],
    );
}

const OPS: &str = r#"openapi: 3.0.3
info: {title: Pets, version: '1'}
x-gateway: {name: pets}
x-amazon-apigateway-binary-media-types: ['*/*']
paths:
  /pets/{id}:
    x-path-note: 1
    parameters:
      - {name: id, in: path, schema: {type: string}}
      - {name: verbose, in: query, schema: {type: boolean}}
      - $ref: '#/components/parameters/Trace'
    get:
      operationId: getPet
      parameters:
        - {name: verbose, in: query, required: true, schema: {type: integer}}
      x-gateway-integration: {type: mock, status: 200}
      responses:
        '200': {$ref: '#/components/responses/Pet'}
    put:
      requestBody: {$ref: '#/components/requestBodies/Pet'}
      responses: {'204': {description: ok}}
    x-gateway-any-method:
      operationId: fallback
  /other:
    x-amazon-apigateway-any-method: {}
components:
  parameters:
    Trace: {name: X-Trace, in: header, schema: {type: string}}
  responses:
    Pet:
      description: a pet
      content: {application/json: {schema: {type: object}}, text/plain: {}}
  requestBodies:
    Pet:
      required: true
      content:
        application/json: {schema: {$ref: '#/components/schemas/Pet'}}
  schemas:
    Pet: {type: object, properties: {name: {type: string}}}
"#;

#[test]
fn operations_with_methods_spans_extensions_and_merged_parameters() {
    with_api(OPS, |api, diags, sources| {
        assert_eq!(diags, "");
        let api = api.unwrap();
        assert_eq!(api.gateway.map(|e| e.key.as_str()), Some("x-gateway"));
        let ext: Vec<_> = api.extensions.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(ext, ["x-gateway", "x-amazon-apigateway-binary-media-types"]);
        let ops: Vec<_> = api
            .operations
            .iter()
            .map(|o| {
                format!(
                    "{} {} at {}",
                    o.method.as_str(),
                    o.path,
                    sources.location(o.method_span)
                )
            })
            .collect();
        assert_eq!(
            ops,
            [
                "GET /pets/{id} at spec.yaml:12:5",
                "PUT /pets/{id} at spec.yaml:19:5",
                "ANY /pets/{id} at spec.yaml:22:5",
                "ANY /other at spec.yaml:25:5"
            ]
        );
        let get = &api.operations[0];
        assert_eq!(get.operation_id.as_ref().unwrap().value, "getPet");
        assert_eq!(sources.location(get.path_span), "spec.yaml:6:3");
        assert_eq!(
            get.extension("x-gateway-integration")
                .map(|e| sources.location(e.key_span)),
            Some("spec.yaml:16:7".to_owned())
        );
        assert_eq!(
            get.path_extensions
                .iter()
                .map(|e| e.key.as_str())
                .collect::<Vec<_>>(),
            ["x-path-note"]
        );
        let params: Vec<_> = get
            .parameters
            .iter()
            .map(|p| {
                format!(
                    "{} in {} required={} at {} schema={}",
                    p.name,
                    p.location.as_str(),
                    p.required,
                    sources.location(p.span),
                    p.schema
                        .as_ref()
                        .map(|s| s.json().to_string())
                        .unwrap_or_default()
                )
            })
            .collect();
        expect![[r##"
            [
                "id in path required=true at spec.yaml:9:9 schema={\"type\":\"string\"}",
                "verbose in query required=true at spec.yaml:15:11 schema={\"type\":\"integer\"}",
                "X-Trace in header required=false at spec.yaml:11:9 schema={\"type\":\"string\"}",
            ]
        "##]]
        .assert_debug_eq(&params);
        assert_eq!(
            get.response_content_types,
            ["application/json", "text/plain"]
        );
        let put = &api.operations[1];
        let body = put.request_body.as_ref().unwrap();
        assert!(body.required);
        assert_eq!(body.content[0].content_type, "application/json");
        assert_eq!(
            body.content[0].schema.as_ref().unwrap().json(),
            serde_json::json!({"$ref": "#/components/schemas/Pet"})
        );
        assert_eq!(api.component_schemas()[0].0, "Pet");
    });
}

#[test]
fn bad_parameters_and_paths_are_reported_and_skipped() {
    check_diags(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  pets:\n    get: {}\n  /a:\n    get:\n      parameters:\n        - {in: query}\n        - {name: x, in: body}\n    post: [1]\n    PUT: {}\n",
        &expect![[r#"
            Error gwc::openapi::bad_path at spec.yaml:4:3: path `pets` does not start with `/`
            Error gwc::openapi::bad_parameter at spec.yaml:9:11: a parameter needs `name` and `in`
            Error gwc::openapi::bad_parameter at spec.yaml:10:25: unknown parameter location `body`
            Error gwc::openapi::wrong_type at spec.yaml:11:11: an operation must be a mapping, this is a sequence
            Warning gwc::openapi::method_case at spec.yaml:12:5: `PUT` is not an operation key; ignored
        "#]],
    );
    check_diags(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {operationId: x}}\n  /b: {get: {operationId: x}}\n",
        &expect![[r#"
            Warning gwc::openapi::duplicate_operation_id at spec.yaml:5:27: operationId `x` is used by 2 operations
        "#]],
    );
}

#[test]
fn operations_behind_refs_in_other_files_are_followed() {
    let dir = std::env::temp_dir().join(format!("gwc-openapi-ops-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("ops")).unwrap();
    std::fs::write(
        dir.join("ops/list pets.yml"),
        "operationId: listPets\nx-gateway-integration: {type: mock}\nparameters:\n  - $ref: '../params.yml#/Limit'\nresponses: {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("params.yml"),
        "Limit: {name: limit, in: query, schema: {type: integer, nullable: true}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("spec.yaml"),
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get: {$ref: 'ops/list%20pets.yml'}\n",
    )
    .unwrap();
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let doc = crate::load::load(&dir.join("spec.yaml"), &mut sources, &mut diags).unwrap();
    let api = Api::from_document(&doc, &sources, &mut diags).unwrap();
    assert!(!diags.has_errors(), "{:?}", diags);
    let op = &api.operations[0];
    assert_eq!(op.operation_id.as_ref().unwrap().value, "listPets");
    assert!(sources.file(op.file).name.ends_with("ops/list pets.yml"));
    assert!(op.extension("x-gateway-integration").is_some());
    let p = &op.parameters[0];
    assert_eq!(p.name, "limit");
    assert_eq!(
        p.schema.as_ref().unwrap().json(),
        serde_json::json!({"type": ["integer", "null"]})
    );
    assert!(Path::new(&sources.file(p.span.file).name).ends_with("ops/list pets.yml"));
}

#[test]
fn openapi_30_schemas_are_normalised() {
    check_body_schema(
        r#"openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              nullable: true
              example: {n: 1}
              properties:
                n: {type: integer, minimum: 0, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false}
                e: {type: string, enum: [a, b], nullable: true}
                r: {$ref: '#/components/schemas/R', nullable: true, description: ignored in 3.0}
                c: {allOf: [{$ref: '#/components/schemas/R'}], nullable: true}
                l: {type: array, items: {type: string, nullable: true}}
                o: {oneOf: [{type: string}, {type: integer}], nullable: false}
                any: {nullable: true}
              additionalProperties: {type: string, nullable: true}
components:
  schemas:
    R: {type: object}
"#,
        &expect![[r##"
            {
              "additionalProperties": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "examples": [
                {
                  "n": 1
                }
              ],
              "properties": {
                "any": {},
                "c": {
                  "anyOf": [
                    {
                      "allOf": [
                        {
                          "$ref": "#/components/schemas/R"
                        }
                      ]
                    },
                    {
                      "type": "null"
                    }
                  ]
                },
                "e": {
                  "enum": [
                    "a",
                    "b",
                    null
                  ],
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "l": {
                  "items": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "type": "array"
                },
                "n": {
                  "exclusiveMinimum": 0,
                  "maximum": 9,
                  "type": "integer"
                },
                "o": {
                  "oneOf": [
                    {
                      "type": "string"
                    },
                    {
                      "type": "integer"
                    }
                  ]
                },
                "r": {
                  "anyOf": [
                    {
                      "$ref": "#/components/schemas/R"
                    },
                    {
                      "type": "null"
                    }
                  ]
                }
              },
              "type": [
                "object",
                "null"
              ]
            }"##]],
    );
}

#[test]
fn openapi_31_schemas_keep_their_2020_12_forms() {
    check_body_schema(
        r#"openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: [object, 'null']
              properties:
                k: {const: fixed, examples: [fixed]}
                m: {anyOf: [{type: string}, {type: 'null'}]}
                r: {$ref: '#/components/schemas/R', description: kept in 3.1, maxProperties: 2}
                x: {type: number, exclusiveMinimum: 0}
                t: {type: array, prefixItems: [{type: string}], items: false}
                legacy: {type: string, nullable: true}
components:
  schemas:
    R: {type: object}
"#,
        &expect![[r##"
            {
              "properties": {
                "k": {
                  "const": "fixed",
                  "examples": [
                    "fixed"
                  ]
                },
                "legacy": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "m": {
                  "anyOf": [
                    {
                      "type": "string"
                    },
                    {
                      "type": "null"
                    }
                  ]
                },
                "r": {
                  "$ref": "#/components/schemas/R",
                  "description": "kept in 3.1",
                  "maxProperties": 2
                },
                "t": {
                  "items": false,
                  "prefixItems": [
                    {
                      "type": "string"
                    }
                  ],
                  "type": "array"
                },
                "x": {
                  "exclusiveMinimum": 0,
                  "type": "number"
                }
              },
              "type": [
                "object",
                "null"
              ]
            }"##]],
    );
}

#[test]
fn recursive_component_schemas_stay_references() {
    check_body_schema(
        r#"openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/Tree'}}
components:
  schemas:
    Tree:
      type: object
      properties:
        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
"#,
        &expect![[r##"
            {
              "$ref": "#/components/schemas/Tree"
            }"##]],
    );
}

const SWAGGER: &str = r#"swagger: '2.0'
info: {title: t, version: '1'}
consumes: [application/json]
produces: [application/json]
paths:
  /pets:
    parameters:
      - {name: trace, in: header, type: string}
    post:
      parameters:
        - {name: body, in: body, required: true, schema: {$ref: '#/definitions/Pet'}}
        - {name: dry, in: query, type: boolean, default: false}
      responses: {'200': {description: ok}}
  /upload:
    post:
      consumes: [multipart/form-data, application/json]
      produces: [text/plain]
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string, maxLength: 10}
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: csv}
      responses: {'200': {description: ok}}
  /form:
    put:
      consumes: []
      parameters:
        - {name: n, in: formData, type: integer, minimum: 1, exclusiveMinimum: true, x-nullable: true}
      responses: {'200': {description: ok}}
definitions:
  Pet:
    type: object
    discriminator: kind
    required: [kind]
    properties:
      kind: {type: string}
      owner: {$ref: '#/definitions/Owner'}
      age: {type: integer, x-nullable: true, example: 3}
  Owner: {type: object}
"#;

#[test]
fn swagger_2_is_converted_to_the_30_model() {
    with_api(SWAGGER, |api, diags, _| {
        assert_eq!(diags, "");
        let api = api.unwrap();
        let describe = |op: &Operation<'_>| {
            let params: Vec<String> = op
                .parameters
                .iter()
                .map(|p| {
                    format!(
                        "{}:{}={}",
                        p.location.as_str(),
                        p.name,
                        p.schema.as_ref().unwrap().json()
                    )
                })
                .collect();
            let body = op.request_body.as_ref().map(|b| {
                let types: Vec<String> = b
                    .content
                    .iter()
                    .map(|m| format!("{}={}", m.content_type, m.schema.as_ref().unwrap().json()))
                    .collect();
                format!("required={} {}", b.required, types.join(" | "))
            });
            format!(
                "{} {}\n  params: {}\n  body: {}\n  produces: {:?}\n",
                op.method.as_str(),
                op.path,
                params.join(", "),
                body.unwrap_or_default(),
                op.response_content_types
            )
        };
        let text: String = api.operations.iter().map(describe).collect();
        expect![[r##"
            POST /pets
              params: header:trace={"type":"string"}, query:dry={"default":false,"type":"boolean"}
              body: required=true application/json={"$ref":"#/components/schemas/Pet"}
              produces: ["application/json"]
            POST /upload
              params: query:tags={"items":{"type":"string"},"type":"array"}
              body: required=true multipart/form-data={"properties":{"file":{"format":"binary","type":"string"},"note":{"maxLength":10,"type":"string"}},"required":["file"],"type":"object"}
              produces: ["text/plain"]
            PUT /form
              params: 
              body: required=false application/x-www-form-urlencoded={"properties":{"n":{"exclusiveMinimum":1,"type":["integer","null"]}},"type":"object"}
              produces: ["application/json"]
        "##]]
        .assert_eq(&text);
        let schemas = api.component_schemas();
        let pet = schemas.iter().find(|(n, _)| *n == "Pet").unwrap();
        expect![[r##"{"discriminator":{"propertyName":"kind"},"properties":{"age":{"examples":[3],"type":["integer","null"]},"kind":{"type":"string"},"owner":{"$ref":"#/components/schemas/Owner"}},"required":["kind"],"type":"object"}"##]]
            .assert_eq(&pet.1.json().to_string());
    });
}

#[test]
fn external_schema_refs_are_inlined_and_recursion_is_cut() {
    let dir = std::env::temp_dir().join(format!("gwc-openapi-inline-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::write(
        dir.join("models/node.yml"),
        "type: object\nproperties:\n  name: {$ref: 'name.yml'}\n  next: {$ref: 'node.yml'}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("models/name.yml"),
        "type: string\nnullable: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("spec.yaml"),
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /n:\n    post:\n      requestBody:\n        content:\n          application/json: {schema: {$ref: 'models/node.yml'}}\n",
    )
    .unwrap();
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let doc = crate::load::load(&dir.join("spec.yaml"), &mut sources, &mut diags).unwrap();
    let api = Api::from_document(&doc, &sources, &mut diags).unwrap();
    assert!(!diags.has_errors());
    expect![[r##"{"properties":{"name":{"type":["string","null"]},"next":{"$comment":"recursive reference `node.yml` not inlined"}},"type":"object"}"##]]
        .assert_eq(&api.operations[0].request_body.as_ref().unwrap().content[0].schema.as_ref().unwrap().json().to_string());
}

#[test]
fn a_properties_map_behind_a_ref_is_followed() {
    check_body_schema(
        r#"openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {$ref: '#/components/x-props'}
components:
  x-props:
    ids: {type: array, items: {type: integer}}
"#,
        &expect![[r#"
            {
              "properties": {
                "ids": {
                  "items": {
                    "type": "integer"
                  },
                  "type": "array"
                }
              },
              "type": "object"
            }"#]],
    );
}
