//! The query decoder over arbitrary form bodies for every operation localvpc implements: any
//! input either decodes to a JSON object or is refused with an EC2 client error — never a
//! panic, never an `InternalError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localvpc_api::{Model, decode};
use localvpc_model::ErrorCode;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let model = Model::get();
    let mut names: Vec<&String> = model.operations.keys().collect();
    names.sort();
    let operation = &model.operations[names[pick as usize % names.len()]];
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    match decode(model, operation.input.as_deref(), &params) {
        Ok(value) => assert!(value.is_object(), "decoded to {value}"),
        Err(e) => assert!(
            e.code != ErrorCode::InternalError && e.code.http_status() < 500,
            "{e}"
        ),
    }
});
