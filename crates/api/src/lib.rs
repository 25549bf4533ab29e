//! The EC2 Query protocol edge. Requests are decoded and responses encoded against the botocore
//! EC2 model, so every wire name, list wrapper and enum is AWS's own.

pub mod decode;
pub mod encode;
pub mod model;

pub use decode::decode;
pub use encode::{EncodeError, encode, error_xml, xml_text};
pub use model::Model;
