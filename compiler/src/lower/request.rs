//! What request validation checks, from the OpenAPI operation: required parameters and the
//! request body's JSON Schemas, made self-contained here (every `#/components/schemas/X` a
//! schema reaches is carried inside it), so the runtime compiles each once at start-up and
//! never fetches or resolves anything.

use gwc_ir::{BodySchema, ParamIn, RequestModel, RequiredParam, Str, Validator};
use serde_json::{Map, Value as J};

use crate::openapi::{Api, Operation, ParamLocation};

/// The model a validator needs: parameters when it checks them, bodies when it checks them.
pub(super) fn request_model(
    api: &Api<'_>,
    op: &Operation<'_>,
    validator: &Validator,
) -> RequestModel {
    let mut model = RequestModel::default();
    if validator.parameters {
        for p in op.parameters.iter().filter(|p| p.required) {
            let location = match p.location {
                ParamLocation::Path => ParamIn::Path,
                ParamLocation::Query => ParamIn::Query,
                ParamLocation::Header => ParamIn::Header,
                // AWS validates path, query and header parameters only.
                ParamLocation::Cookie => continue,
            };
            model.required.push(RequiredParam {
                location,
                name: Str::Owned(p.name.clone()),
            });
        }
    }
    if validator.body
        && let Some(body) = &op.request_body
    {
        model.body_required = body.required;
        let components: Vec<(String, J)> = api
            .component_schemas()
            .into_iter()
            .map(|(name, schema)| (name.to_owned(), schema.json()))
            .collect();
        for media in &body.content {
            let Some(schema) = &media.schema else {
                continue;
            };
            let json = self_contained(schema.json(), &components);
            model.bodies.push(BodySchema {
                content_type: Str::Owned(media.content_type.clone()),
                schema: Str::Owned(json.to_string()),
            });
        }
    }
    model
}

const PREFIX: &str = "#/components/schemas/";

/// The schema with the component schemas it reaches (transitively) under
/// `components.schemas`, where its references point.
fn self_contained(schema: J, components: &[(String, J)]) -> J {
    let mut needed: Vec<&str> = Vec::new();
    let mut queue: Vec<&J> = vec![&schema];
    while let Some(node) = queue.pop() {
        refs(node, &mut |name| {
            if !needed.contains(&name)
                && let Some((n, s)) = components.iter().find(|(n, _)| n == name)
            {
                needed.push(n);
                queue.push(s);
            }
        });
    }
    if needed.is_empty() {
        return schema;
    }
    let mut defs = Map::new();
    for (name, s) in components {
        if needed.contains(&name.as_str()) {
            defs.insert(name.clone(), s.clone());
        }
    }
    let mut root = match schema {
        J::Object(map) => map,
        // `true`/`false` schemas: wrap so the components have a home.
        other => {
            let mut m = Map::new();
            m.insert("allOf".to_owned(), J::Array(vec![other]));
            m
        }
    };
    let mut schemas = Map::new();
    schemas.insert("schemas".to_owned(), J::Object(defs));
    root.insert("components".to_owned(), J::Object(schemas));
    J::Object(root)
}

/// Calls `found` with the component name of every `#/components/schemas/X` reference in `node`.
fn refs<'j>(node: &'j J, found: &mut impl FnMut(&'j str)) {
    match node {
        J::Object(map) => {
            for (k, v) in map {
                if k == "$ref"
                    && let Some(name) = v.as_str().and_then(|r| r.strip_prefix(PREFIX))
                {
                    found(name);
                } else {
                    refs(v, found);
                }
            }
        }
        J::Array(items) => {
            for v in items {
                refs(v, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn carries_the_components_a_schema_reaches() {
        let components = vec![
            (
                "Pet".to_owned(),
                json!({"type": "object", "properties": {"tag": {"$ref": "#/components/schemas/Tag"}}}),
            ),
            ("Tag".to_owned(), json!({"type": "string"})),
            ("Unused".to_owned(), json!({"type": "integer"})),
        ];
        let out = self_contained(json!({"$ref": "#/components/schemas/Pet"}), &components);
        assert_eq!(
            out,
            json!({
                "$ref": "#/components/schemas/Pet",
                "components": {"schemas": {
                    "Pet": {"type": "object", "properties": {"tag": {"$ref": "#/components/schemas/Tag"}}},
                    "Tag": {"type": "string"}
                }}
            })
        );
        let plain = json!({"type": "object"});
        assert_eq!(self_contained(plain.clone(), &components), plain);
    }
}
