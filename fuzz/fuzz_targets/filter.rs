//! Describe filters: compiling arbitrary filter lists against a table and matching arbitrary
//! values, with the wildcard matcher checked against a naive backtracking one on short inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localvpc_model::filter::{CompiledFilters, FilterDef, Pattern, Tagged, def, one};
use localvpc_model::{Filter, Tag};

struct Item {
    name: String,
    tags: Vec<Tag>,
}

impl Tagged for Item {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

const DEFS: &[FilterDef<Item>] = &[def("name", |i| one(&i.name))];

/// EC2's wildcards by definition: `*` any run, `?` zero or one character, `\` escapes.
fn naive(p: &[char], v: &[char]) -> bool {
    match p.split_first() {
        None => v.is_empty(),
        Some(('*', rest)) => (0..=v.len()).any(|i| naive(rest, &v[i..])),
        Some(('?', rest)) => naive(rest, v) || (!v.is_empty() && naive(rest, &v[1..])),
        Some(('\\', rest)) => match rest.split_first() {
            Some((c, rest)) => v.first() == Some(c) && naive(rest, &v[1..]),
            None => v.first() == Some(&'\\') && naive(&[], &v[1..]),
        },
        Some((c, rest)) => v.first() == Some(c) && naive(rest, &v[1..]),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Fields separated by NUL: a value, then filters as name/value… groups split by SOH.
    let mut fields = text.split('\0');
    let value = fields.next().unwrap_or_default().to_owned();
    let filters: Vec<Filter> = fields
        .map(|group| {
            let mut parts = group.split('\u{1}');
            Filter {
                name: parts.next().unwrap_or_default().to_owned(),
                values: parts.map(str::to_owned).collect(),
            }
        })
        .collect();
    for f in &filters {
        for pattern in &f.values {
            let matched = Pattern::new(pattern).matches(&value);
            let (p, v): (Vec<char>, Vec<char>) =
                (pattern.chars().collect(), value.chars().collect());
            if p.len() <= 12 && v.len() <= 16 {
                assert_eq!(
                    matched,
                    naive(&p, &v),
                    "pattern {pattern:?} value {value:?}"
                );
            }
        }
    }
    let item = Item {
        name: value.clone(),
        tags: vec![Tag::new(value.clone(), value.clone())],
    };
    if let Ok(compiled) = CompiledFilters::compile(&filters, DEFS) {
        let _ = compiled.matches(&item);
    }
});
