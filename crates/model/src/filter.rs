//! Describe filters, declared as data.
//!
//! Each resource declares a table of [`FilterDef`]s: a filter name and a function giving the
//! resource's values for it. Requests are checked against the table up front (an unknown name is
//! refused, never ignored), then matched: values within one filter are OR-ed, filters are AND-ed,
//! and values take EC2's wildcards (`*` any run, `?` zero or one character, `\` escapes).

use crate::error::Ec2Error;
use crate::tags::Tag;

/// Most filters and filter values one request may carry.
pub const MAX_FILTERS: usize = 50;
pub const MAX_FILTER_VALUES: usize = 1000;

/// A filter as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

/// One filter a resource supports: its name and the resource's values for it.
pub struct FilterDef<T> {
    pub name: &'static str,
    pub values: fn(&T) -> Vec<String>,
}

/// Shorthand to build filter tables.
pub const fn def<T>(name: &'static str, values: fn(&T) -> Vec<String>) -> FilterDef<T> {
    FilterDef { name, values }
}

/// Resources that carry tags get `tag:<key>`, `tag-key` and `tag-value` for free.
pub trait Tagged {
    fn tags(&self) -> &[Tag];
}

enum Accessor<'d, T> {
    Field(fn(&T) -> Vec<String>),
    TagValue(&'d str),
    TagKey,
    TagValueAny,
}

/// Filters checked against a resource's table, ready to match.
pub struct CompiledFilters<'d, T> {
    filters: Vec<(Accessor<'d, T>, Vec<Pattern>)>,
}

impl<'d, T: Tagged> CompiledFilters<'d, T> {
    /// Checks every filter name against `defs`; `InvalidParameterValue` names the first unknown one.
    pub fn compile(filters: &'d [Filter], defs: &[FilterDef<T>]) -> Result<Self, Ec2Error> {
        if filters.len() > MAX_FILTERS
            || filters.iter().map(|f| f.values.len()).sum::<usize>() > MAX_FILTER_VALUES
        {
            return Err(Ec2Error::new(
                crate::ErrorCode::FilterLimitExceeded,
                format!(
                    "The request uses too many filters or filter values (at most {MAX_FILTERS} filters and {MAX_FILTER_VALUES} values)."
                ),
            ));
        }
        let filters = filters
            .iter()
            .map(|f| {
                let accessor = if let Some(key) = f.name.strip_prefix("tag:") {
                    Accessor::TagValue(key)
                } else if f.name == "tag-key" {
                    Accessor::TagKey
                } else if f.name == "tag-value" {
                    Accessor::TagValueAny
                } else {
                    match defs.iter().find(|d| d.name == f.name) {
                        Some(d) => Accessor::Field(d.values),
                        None => {
                            return Err(Ec2Error::invalid_value(format!(
                                "The filter '{}' is invalid",
                                f.name
                            )));
                        }
                    }
                };
                if f.values.is_empty() {
                    return Err(Ec2Error::invalid_value(format!(
                        "The filter '{}' requires at least one value",
                        f.name
                    )));
                }
                Ok((accessor, f.values.iter().map(|v| Pattern::new(v)).collect()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { filters })
    }

    pub fn matches(&self, item: &T) -> bool {
        self.filters.iter().all(|(accessor, patterns)| {
            let hit = |value: &str| patterns.iter().any(|p| p.matches(value));
            match accessor {
                Accessor::Field(f) => f(item).iter().any(|v| hit(v)),
                Accessor::TagValue(key) => {
                    item.tags().iter().any(|t| t.key == *key && hit(&t.value))
                }
                Accessor::TagKey => item.tags().iter().any(|t| hit(&t.key)),
                Accessor::TagValueAny => item.tags().iter().any(|t| hit(&t.value)),
            }
        })
    }

    /// Keeps the items that match every filter.
    pub fn apply(&self, items: Vec<T>) -> Vec<T> {
        items.into_iter().filter(|i| self.matches(i)).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    AnyRun,
    ZeroOrOne,
}

/// A filter value with EC2's wildcard syntax.
#[derive(Debug, Clone)]
pub struct Pattern {
    tokens: Vec<Token>,
    literal: Option<String>,
}

impl Pattern {
    pub fn new(text: &str) -> Self {
        let mut tokens = Vec::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::AnyRun,
                '?' => Token::ZeroOrOne,
                '\\' => Token::Literal(chars.next().unwrap_or('\\')),
                c => Token::Literal(c),
            });
        }
        let literal = tokens
            .iter()
            .all(|t| matches!(t, Token::Literal(_)))
            .then(|| {
                tokens
                    .iter()
                    .map(|t| {
                        if let Token::Literal(c) = t {
                            *c
                        } else {
                            unreachable!()
                        }
                    })
                    .collect()
            });
        Self { tokens, literal }
    }

    pub fn matches(&self, value: &str) -> bool {
        if let Some(lit) = &self.literal {
            return lit == value;
        }
        let value: Vec<char> = value.chars().collect();
        // reachable[j]: the pattern consumed so far can match value[..j].
        let mut reachable = vec![false; value.len() + 1];
        reachable[0] = true;
        for token in &self.tokens {
            let mut next = vec![false; value.len() + 1];
            for j in 0..=value.len() {
                if !reachable[j] {
                    continue;
                }
                match token {
                    Token::Literal(c) => {
                        if value.get(j) == Some(c) {
                            next[j + 1] = true;
                        }
                    }
                    Token::ZeroOrOne => {
                        next[j] = true;
                        if j < value.len() {
                            next[j + 1] = true;
                        }
                    }
                    Token::AnyRun => {
                        next[j..].iter_mut().for_each(|n| *n = true);
                        break;
                    }
                }
            }
            reachable = next;
        }
        reachable[value.len()]
    }
}

/// A single value as a filter value list.
pub fn one(value: impl ToString) -> Vec<String> {
    vec![value.to_string()]
}

/// An optional value: no value means the filter never matches.
pub fn opt(value: Option<impl ToString>) -> Vec<String> {
    value.map(|v| v.to_string()).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Thing {
        name: &'static str,
        tags: Vec<Tag>,
    }
    impl Tagged for Thing {
        fn tags(&self) -> &[Tag] {
            &self.tags
        }
    }
    const DEFS: &[FilterDef<Thing>] = &[def("name", |t| one(t.name))];

    fn f(name: &str, values: &[&str]) -> Filter {
        Filter {
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn wildcards_follow_ec2() {
        assert!(Pattern::new("web*").matches("web-1"));
        assert!(Pattern::new("web*").matches("web"));
        assert!(Pattern::new("web?").matches("web"));
        assert!(Pattern::new("web?").matches("web1"));
        assert!(!Pattern::new("web?").matches("web12"));
        assert!(Pattern::new("*-?b").matches("a-b"));
        assert!(Pattern::new(r"a\*b").matches("a*b"));
        assert!(!Pattern::new(r"a\*b").matches("axxb"));
        assert!(Pattern::new(r"a\\").matches(r"a\"));
        assert!(!Pattern::new("Web").matches("web"), "case-sensitive");
    }

    #[test]
    fn unknown_filter_refused_up_front() {
        let filters = [f("public-ip", &["1.2.3.4"])];
        let err = CompiledFilters::compile(&filters, DEFS).err().unwrap();
        assert_eq!(err.code.as_str(), "InvalidParameterValue");
        assert_eq!(err.message, "The filter 'public-ip' is invalid");
    }

    #[test]
    fn values_or_filters_and_tags() {
        let things = [
            Thing {
                name: "a",
                tags: vec![Tag::new("env", "prod")],
            },
            Thing {
                name: "b",
                tags: vec![Tag::new("env", "dev")],
            },
            Thing {
                name: "c",
                tags: vec![],
            },
        ];
        let names = |filters: &[Filter]| -> Vec<&str> {
            let c = CompiledFilters::compile(filters, DEFS).unwrap();
            things
                .iter()
                .filter(|t| c.matches(t))
                .map(|t| t.name)
                .collect()
        };
        assert_eq!(names(&[f("name", &["a", "c"])]), ["a", "c"]);
        assert_eq!(
            names(&[f("name", &["a", "b"]), f("tag:env", &["dev"])]),
            ["b"]
        );
        assert_eq!(names(&[f("tag-key", &["env"])]), ["a", "b"]);
        assert_eq!(names(&[f("tag-value", &["p*"])]), ["a"]);
    }

    fn naive(p: &[char], v: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('*', rest)) => (0..=v.len()).any(|i| naive(rest, &v[i..])),
            Some(('?', rest)) => naive(rest, v) || (!v.is_empty() && naive(rest, &v[1..])),
            Some((c, rest)) => v.first() == Some(c) && naive(rest, &v[1..]),
        }
    }

    proptest! {
        #[test]
        fn matcher_agrees_with_a_naive_one(p in "[ab*?]{0,8}", v in "[ab]{0,10}") {
            let pc: Vec<char> = p.chars().collect();
            let vc: Vec<char> = v.chars().collect();
            prop_assert_eq!(Pattern::new(&p).matches(&v), naive(&pc, &vc));
        }
    }
}
