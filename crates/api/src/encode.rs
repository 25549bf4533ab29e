//! Typed responses → EC2 XML, element names and list wrappers taken from the operation's output
//! shape. A member the model does not know is a bug in localvpc, reported as an error rather than
//! silently dropped.

use crate::model::{Model, Shape, ShapeKind, XML_NAMESPACE};
use quick_xml::escape::escape;
use serde_json::Value;
use std::fmt::Write;

/// A response member that the operation's output shape does not have.
#[derive(Debug)]
pub struct EncodeError(pub String);

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "response does not fit the EC2 model: {}", self.0)
    }
}

impl std::error::Error for EncodeError {}

/// Writes `<{action}Response>` with `requestId` and the members of `output`.
/// Operations without a modelled output answer `<return>true</return>`, as EC2 does.
pub fn encode(
    model: &Model,
    action: &str,
    output_shape: Option<&str>,
    output: &Value,
    request_id: &str,
) -> Result<String, EncodeError> {
    let mut xml = String::with_capacity(4096);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = write!(
        xml,
        "<{action}Response xmlns=\"{XML_NAMESPACE}\"><requestId>{request_id}</requestId>"
    );
    match output_shape {
        Some(shape) => write_members(
            model,
            model.shape(shape),
            output,
            &mut xml,
            &Path::Root(action),
        )?,
        None => xml.push_str("<return>true</return>"),
    }
    let _ = write!(xml, "</{action}Response>");
    Ok(xml)
}

/// Where in the response a value sits, for error messages: spelled out only when one is needed,
/// so the encoding itself allocates nothing for it.
enum Path<'a> {
    Root(&'a str),
    Member(&'a Path<'a>, &'a str),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Root(action) => f.write_str(action),
            Self::Member(parent, name) => write!(f, "{parent}.{name}"),
        }
    }
}

fn write_members(
    model: &Model,
    shape: &Shape,
    value: &Value,
    xml: &mut String,
    path: &Path,
) -> Result<(), EncodeError> {
    let Value::Object(object) = value else {
        return Err(EncodeError(format!(
            "{path}: expected a structure, got {value}"
        )));
    };
    let mut written = 0;
    for (name, member) in &shape.members {
        match object.get(name) {
            None | Some(Value::Null) => {}
            Some(v) => {
                written += 1;
                write_element(
                    model,
                    model.shape(&member.shape),
                    member.element_name(name),
                    v,
                    xml,
                    &Path::Member(path, name),
                )?;
            }
        }
    }
    // An absent (null) value is no member at all; any other unknown key is a localvpc bug.
    if written < object.values().filter(|v| !v.is_null()).count() {
        let extra = object
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k)
            .find(|k| !shape.members.iter().any(|(name, _)| name == *k))
            .expect("a key that is no member");
        return Err(EncodeError(format!("{path}.{extra}: no such member")));
    }
    Ok(())
}

fn open_tag(xml: &mut String, element: &str) {
    xml.push('<');
    xml.push_str(element);
    xml.push('>');
}

fn close_tag(xml: &mut String, element: &str) {
    xml.push_str("</");
    xml.push_str(element);
    xml.push('>');
}

fn empty_tag(xml: &mut String, element: &str) {
    xml.push('<');
    xml.push_str(element);
    xml.push_str("/>");
}

fn write_element(
    model: &Model,
    shape: &Shape,
    element: &str,
    value: &Value,
    xml: &mut String,
    path: &Path,
) -> Result<(), EncodeError> {
    match shape.kind {
        ShapeKind::Structure => {
            open_tag(xml, element);
            write_members(model, shape, value, xml, path)?;
            close_tag(xml, element);
        }
        ShapeKind::List => {
            let Value::Array(items) = value else {
                return Err(EncodeError(format!("{path}: expected a list, got {value}")));
            };
            let member = shape.member.as_ref().expect("list shape has a member");
            let item_element = member.location_name.as_deref().unwrap_or("member");
            let item_shape = model.shape(&member.shape);
            if items.is_empty() {
                empty_tag(xml, element);
                return Ok(());
            }
            open_tag(xml, element);
            for item in items {
                write_element(model, item_shape, item_element, item, xml, path)?;
            }
            close_tag(xml, element);
        }
        ShapeKind::Map => {
            return Err(EncodeError(format!(
                "{path}: map shapes are not used by EC2 responses"
            )));
        }
        _ => {
            let empty = match value {
                Value::String(s) => s.is_empty(),
                Value::Bool(_) | Value::Number(_) => false,
                other => {
                    return Err(EncodeError(format!(
                        "{path}: expected a scalar, got {other}"
                    )));
                }
            };
            if empty {
                empty_tag(xml, element);
                return Ok(());
            }
            open_tag(xml, element);
            match value {
                Value::String(s) => push_xml_text(xml, s),
                Value::Bool(b) => xml.push_str(if *b { "true" } else { "false" }),
                _ => {
                    let _ = write!(xml, "{value}");
                }
            }
            close_tag(xml, element);
        }
    }
    Ok(())
}

/// The EC2 error envelope (note `RequestID`, not `requestId`).
pub fn error_xml(code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>",
        xml_text(code),
        xml_text(message)
    )
}

/// Text as XML 1.0 can carry it: markup escaped, and the characters XML cannot hold at all
/// (control characters other than tab, newline and carriage return; U+FFFE and U+FFFF) replaced
/// by U+FFFD. Callers' values and the messages quoting them reach responses, and one stray byte
/// would otherwise make the whole response unparseable for every SDK.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_xml_text(&mut out, text);
    out
}

/// [`xml_text`], appended to `xml`.
fn push_xml_text(xml: &mut String, text: &str) {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{FFFD}' | '\u{10000}'..);
    if text.chars().all(allowed) {
        xml.push_str(&escape(text));
    } else {
        let cleaned: String = text
            .chars()
            .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
            .collect();
        xml.push_str(&escape(cleaned.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(action: &str, out: Value) -> Result<String, EncodeError> {
        let m = Model::get();
        encode(
            m,
            action,
            m.operations[action].output.as_deref(),
            &out,
            "req-1",
        )
    }

    #[test]
    fn lists_become_item_wrappers_with_location_names() {
        let xml = run(
            "DescribeVpcs",
            json!({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": false, "Tags": [], "State": "available"}]}),
        )
        .unwrap();
        assert!(xml.contains("<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId>"));
        assert!(xml.contains("<vpcSet><item>"), "{xml}");
        assert!(xml.contains("<vpcId>vpc-1</vpcId>"));
        assert!(xml.contains("<isDefault>false</isDefault>"));
        assert!(xml.contains("<tagSet/>"));
    }

    #[test]
    fn no_output_means_return_true_and_text_is_escaped() {
        assert!(
            run("DeleteVpc", json!({}))
                .unwrap()
                .contains("<return>true</return>")
        );
        let xml = run(
            "DescribeVpcs",
            json!({"Vpcs": [{"Tags": [{"Key": "a<b", "Value": "&"}]}]}),
        )
        .unwrap();
        assert!(
            xml.contains("<key>a&lt;b</key><value>&amp;</value>"),
            "{xml}"
        );
    }

    #[test]
    fn unknown_members_are_a_bug_not_silence() {
        let err = run("DescribeVpcs", json!({"Vpcs": [{"VpcID": "typo"}]})).unwrap_err();
        assert!(err.0.contains("VpcID"), "{err}");
        assert!(
            run("DescribeVpcs", json!({"Vpcs": [{"VpcID": null}]})).is_ok(),
            "absent values are not members"
        );
    }

    /// Found by the service fuzz target: a parameter name with a NUL byte was quoted in the
    /// UnknownParameter message and made the error envelope invalid XML.
    #[test]
    fn characters_xml_cannot_carry_become_replacement_characters() {
        let xml = error_xml(
            "UnknownParameter",
            "The parameter Instanc\0\u{10}d.1 is not recognized",
            "r",
        );
        assert!(
            xml.contains(
                "<Message>The parameter Instanc\u{FFFD}\u{FFFD}d.1 is not recognized</Message>"
            ),
            "{xml}"
        );
        let xml = run(
            "DescribeVpcs",
            json!({"Vpcs": [{"Tags": [{"Key": "k\u{1}", "Value": "tab\tok\u{FFFF}<"}]}]}),
        )
        .unwrap();
        assert!(
            xml.contains("<key>k\u{FFFD}</key><value>tab\tok\u{FFFD}&lt;</value>"),
            "{xml}"
        );
        assert_eq!(xml_text("plain & simple"), "plain &amp; simple");
    }

    #[test]
    fn error_envelope() {
        let xml = error_xml(
            "InvalidVpcID.NotFound",
            "The vpc ID 'vpc-1' does not exist",
            "r",
        );
        assert!(xml.ends_with("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &apos;vpc-1&apos; does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>"));
    }
}
