/// Reads one order.
pub async fn get_order(id: Path<u64>, ctx: Context) -> Result<Json<Order>, Error> {
    todo_order(*id, ctx)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code, unreachable_pub)]
pub struct get_order {}
const _: () = {
    static __GWC_ARGS: [::gwc_runtime::__private::Arg; 2usize] = [
        ::gwc_runtime::__private::Arg {
            name: "id",
            index: 0usize,
        },
        ::gwc_runtime::__private::Arg {
            name: "ctx",
            index: 0usize,
        },
    ];
    fn __gwc_route() -> ::gwc_runtime::ir::Route {
        let mut route: ::gwc_runtime::ir::Route = {
            use ::gwc_runtime::ir;
            use ::std::borrow::Cow;
            #[allow(unused_imports)]
            use ::std::{
                option::Option::{None, Some},
                vec::Vec,
            };
            ir::Route {
                id: Cow::Borrowed("get_order"),
                method: ir::Method::Get,
                path: ir::PathTemplate {
                    raw: Cow::Borrowed("/orders/{id}"),
                    segments: Vec::from([
                        ir::Segment::Literal(Cow::Borrowed("orders")),
                        ir::Segment::Param(ir::Param {
                            name: Cow::Borrowed("id"),
                            prefix: Cow::Borrowed(""),
                            suffix: Cow::Borrowed(""),
                        }),
                    ]),
                },
                integration: ir::Integration::Rust(ir::RustHandler {
                    handler: Cow::Borrowed(""),
                }),
                timeout: ir::Millis(2000),
                ..Default::default()
            }
        };
        route.integration = ::gwc_runtime::ir::Integration::Rust(::gwc_runtime::ir::RustHandler {
            handler: ::std::borrow::Cow::Borrowed(
                ::core::concat!(::core::module_path!(), "::", "get_order"),
            ),
        });
        route
    }
    fn __gwc_call<'a>(
        mut __gwc_req: ::gwc_runtime::__private::Request<'a>,
    ) -> ::gwc_runtime::__private::HandlerFuture<'a> {
        ::std::boxed::Box::pin(async move {
            let __gwc_arg0 = <Path<
                u64,
            > as ::gwc_runtime::__private::FromRequestParts>::from_parts(
                &mut __gwc_req,
                &__GWC_ARGS[0usize],
            )?;
            let __gwc_arg1 = <Context as ::gwc_runtime::__private::FromRequest<
                _,
            >>::from_request(__gwc_req, &__GWC_ARGS[1usize])
                .await?;
            let __gwc_out = get_order(__gwc_arg0, __gwc_arg1).await;
            #[allow(unused_imports)]
            use ::gwc_runtime::__private::{
                ViaIntoResponse as _, ViaSerialize as _, ViaSerializeResult as _,
            };
            (&&&::gwc_runtime::__private::Responder::new(__gwc_out)).gwc_respond()
        })
    }
    fn __gwc_check(
        __gwc_app: &::gwc_runtime::handler::AppState,
    ) -> ::core::result::Result<(), ::std::string::String> {
        <Path<u64> as ::gwc_runtime::__private::FromRequestParts>::check(__gwc_app)?;
        <Context as ::gwc_runtime::__private::FromRequest<_>>::check(__gwc_app)?;
        ::core::result::Result::Ok(())
    }
    fn __gwc_document(__gwc_op: &mut ::gwc_runtime::__private::OperationDoc) {
        <Path<
            u64,
        > as ::gwc_runtime::__private::FromRequestParts>::document(
            &__GWC_ARGS[0usize],
            __gwc_op,
        );
        {
            #[allow(unused_imports)]
            use ::gwc_runtime::__private::{ViaNoQuerySchema as _, ViaQuerySchema as _};
            if let ::core::option::Option::Some(schema) = (&::gwc_runtime::__private::QueryProbe::<
                Path<u64>,
            >::NEW)
                .gwc_query_schema()
            {
                __gwc_op.query_schemas.push(schema);
            }
        }
        <Context as ::gwc_runtime::__private::FromRequest<
            _,
        >>::document(&__GWC_ARGS[1usize], __gwc_op);
        {
            #[allow(unused_imports)]
            use ::gwc_runtime::__private::{ViaNoQuerySchema as _, ViaQuerySchema as _};
            if let ::core::option::Option::Some(schema) = (&::gwc_runtime::__private::QueryProbe::<
                Context,
            >::NEW)
                .gwc_query_schema()
            {
                __gwc_op.query_schemas.push(schema);
            }
        }
        {
            #[allow(unused_imports)]
            use ::gwc_runtime::__private::{ViaJsonSchema as _, ViaNoSchema as _};
            __gwc_op.body_schema = (&::gwc_runtime::__private::SchemaProbe::<
                Context,
            >::NEW)
                .gwc_body_schema();
        }
        {
            #[allow(unused_imports)]
            use ::gwc_runtime::__private::{
                ViaJsonResponse as _, ViaNoResponseSchema as _, ViaPlainResponse as _,
                ViaSerializeResultSchema as _, ViaSerializeSchema as _,
            };
            __gwc_op.response_schema = (&&&&&::gwc_runtime::__private::ResponseProbe::<
                Result<Json<Order>, Error>,
            >::NEW)
                .gwc_response_schema();
        }
    }
    #[::gwc_runtime::__private::linkme::distributed_slice(
        ::gwc_runtime::__private::ROUTES
    )]
    #[linkme(crate = ::gwc_runtime::__private::linkme)]
    static __GWC_DEF: ::gwc_runtime::__private::RouteDef = ::gwc_runtime::__private::RouteDef {
        name: "get_order",
        authorizer: ::core::option::Option::None,
        validate: ::core::option::Option::None,
        module: ::core::module_path!(),
        method: "GET",
        path: "/orders/{id}",
        route: __gwc_route,
        call: __gwc_call,
        check: __gwc_check,
        document: __gwc_document,
        doc: "Reads one order.",
    };
    impl ::gwc_runtime::__private::Handler for get_order {
        const DEF: &'static ::gwc_runtime::__private::RouteDef = &__GWC_DEF;
    }
};
