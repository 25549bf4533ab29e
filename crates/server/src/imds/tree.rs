//! The shape IMDS serves: directories of named entries down to leaves, and the rules for
//! finding a node by path and for listing a directory.

use std::collections::BTreeMap;

/// A node of the metadata tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A `text/plain` value; several values are one per line, without a final line feed.
    Text(String),
    /// Opaque bytes served as they are (user data).
    Bytes(Vec<u8>),
    Dir(Dir),
}

/// A directory. Entries sort by name, as EC2 lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dir {
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    node: Node,
    /// What the listing shows instead of the name (`public-keys/` lists `0=my-key` for `0/`).
    label: Option<String>,
}

impl Dir {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text leaf.
    pub fn text(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.insert(name, Node::Text(value.into()), None)
    }

    /// Adds a text leaf if there is a value: an absent key is a 404, never an empty body.
    pub fn text_opt(&mut self, name: &str, value: Option<impl Into<String>>) -> &mut Self {
        if let Some(value) = value {
            self.text(name, value);
        }
        self
    }

    /// Adds a multi-valued leaf, one value per line, if there is at least one value.
    pub fn lines<S: ToString>(
        &mut self,
        name: &str,
        values: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        let values: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        self.text_opt(name, (!values.is_empty()).then(|| values.join("\n")))
    }

    pub fn bytes(&mut self, name: &str, value: Vec<u8>) -> &mut Self {
        self.insert(name, Node::Bytes(value), None)
    }

    /// Adds a sub-directory unless it is empty: listing an empty category is a 404 on EC2.
    pub fn dir(&mut self, name: &str, dir: Dir) -> &mut Self {
        self.dir_labelled(name, None, dir)
    }

    /// Adds a sub-directory listed as `label` rather than `name/`.
    pub fn dir_labelled(&mut self, name: &str, label: Option<String>, dir: Dir) -> &mut Self {
        if dir.entries.is_empty() {
            return self;
        }
        self.insert(name, Node::Dir(dir), label)
    }

    fn insert(&mut self, name: &str, node: Node, label: Option<String>) -> &mut Self {
        self.entries.insert(name.to_owned(), Entry { node, label });
        self
    }

    /// One line per entry, sub-directories with a trailing `/`, no final line feed.
    pub fn listing(&self) -> String {
        self.entries
            .iter()
            .map(|(name, e)| match (&e.label, &e.node) {
                (Some(label), _) => label.clone(),
                (None, Node::Dir(_)) => format!("{name}/"),
                (None, _) => name.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every leaf as (path, text), in name order: the console's view of an instance's metadata.
    pub fn leaves(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.collect_leaves("", &mut out);
        out
    }

    fn collect_leaves(&self, prefix: &str, out: &mut Vec<(String, String)>) {
        for (name, entry) in &self.entries {
            let path = format!("{prefix}{name}");
            match &entry.node {
                Node::Text(text) => out.push((path, text.clone())),
                Node::Bytes(bytes) => out.push((path, format!("({} bytes)", bytes.len()))),
                Node::Dir(dir) => dir.collect_leaves(&format!("{path}/"), out),
            }
        }
    }

    /// The node at `segments` below this directory.
    pub fn find<'a>(&'a self, segments: &[&str]) -> Option<&'a Node> {
        let (first, rest) = segments.split_first()?;
        let node = &self.entries.get(*first)?.node;
        match (node, rest.is_empty()) {
            (_, true) => Some(node),
            (Node::Dir(dir), false) => dir.find(rest),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_and_lookup() {
        let mut keys = Dir::new();
        keys.text("openssh-key", "ssh-ed25519 AAAA k");
        let mut root = Dir::new();
        root.text("b", "2")
            .text("a", "1")
            .lines("many", ["x", "y"])
            .lines("none", Vec::<String>::new())
            .text_opt("absent", None::<String>)
            .dir("empty", Dir::new())
            .dir_labelled("0", Some("0=k".into()), keys);
        assert_eq!(root.listing(), "0=k\na\nb\nmany");
        assert_eq!(root.find(&["many"]), Some(&Node::Text("x\ny".into())));
        assert_eq!(
            root.find(&["0", "openssh-key"]),
            Some(&Node::Text("ssh-ed25519 AAAA k".into()))
        );
        assert!(matches!(root.find(&["0"]), Some(Node::Dir(_))));
        assert_eq!(
            root.leaves(),
            [
                ("0/openssh-key".into(), "ssh-ed25519 AAAA k".into()),
                ("a".into(), "1".into()),
                ("b".into(), "2".into()),
                ("many".into(), "x\ny".into()),
            ]
        );
        for absent in [&["none"][..], &["absent"], &["empty"], &["a", "x"], &[]] {
            assert_eq!(root.find(absent), None, "{absent:?}");
        }
    }
}
