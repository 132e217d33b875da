//! Expansion tests: errors as data, and expansion snapshots (`tests/expand/*.rs`, written by
//! prettyplease, compared whole; `UPDATE_EXPECT=1` rewrites them).

use quote::quote;

use super::expand;

fn errors(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Vec<String> {
    expand(attr, item)
        .1
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn path_arguments_and_parameters_must_match() {
    let errs = errors(
        quote!(GET, "/orders/{id}/items/{item}"),
        quote!(
            async fn get(idd: Path<u64>) {}
        ),
    );
    assert_eq!(
        errs,
        [
            "`idd` is a `Path` argument but `/orders/{id}/items/{item}` has no parameter `{idd}`; did you mean `id`?",
            "path parameter `{id}` has no argument: add `id: Path<String>` (or another `FromStr` type) to `get`",
            "path parameter `{item}` has no argument: add `item: Path<String>` (or another `FromStr` type) to `get`",
        ]
    );
}

#[test]
fn the_function_is_kept_beside_the_errors() {
    let (out, errs) = expand(
        quote!(GET, "/x"),
        quote!(
            fn not_async() {}
        ),
    );
    assert_eq!(errs.len(), 1);
    assert_eq!(
        out.to_string(),
        quote!(
            fn not_async() {}
        )
        .to_string()
    );
}

#[test]
fn expansion_snapshots() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let cases: [(&str, proc_macro2::TokenStream, proc_macro2::TokenStream); 3] = [
        (
            "get_order",
            quote!(GET, "/orders/{id}", timeout = "2s"),
            quote! {
                /// Reads one order.
                pub async fn get_order(id: Path<u64>, ctx: Context) -> Result<Json<Order>, Error> {
                    todo_order(*id, ctx)
                }
            },
        ),
        (
            "create_order",
            quote!(POST, "/orders", id = "createOrder"),
            quote! {
                async fn create_order(State(store): State<Store>, body: Json<NewOrder>) -> (StatusCode, Json<Order>) {
                    store.insert(body.0)
                }
            },
        ),
        (
            "quote_order",
            quote!(POST, "/quotes", validate(body)),
            quote! {
                async fn quote_order(body: Json<QuoteRequest>) -> Json<Price> {
                    price(body.0)
                }
            },
        ),
    ];
    for (name, attr, item) in cases {
        let (out, errs) = expand(attr, item);
        assert!(errs.is_empty(), "{name}: {errs:?}");
        let file: syn::File = syn::parse2(out).expect("the expansion parses as a file");
        let text = prettyplease::unparse(&file);
        expect_test::expect_file![root.join(format!("{name}.rs"))].assert_eq(&text);
    }
}
