//! Key pair actions: CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair.

use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use localvpc_model::key_pair::{self, KeyFormat, KeyPair, KeyType};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind, Tag};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateKeyPairRequest {
    key_name: String,
    key_type: Option<String>,
    key_format: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateKeyPairResponse {
    key_pair_id: String,
    key_name: String,
    key_fingerprint: String,
    key_material: String,
    tags: Option<Vec<TagWire>>,
}

pub fn create_key_pair(
    ctx: &mut Ctx,
    req: CreateKeyPairRequest,
) -> Result<CreateKeyPairResponse, Ec2Error> {
    let key_type: KeyType = req.key_type.as_deref().unwrap_or("rsa").parse()?;
    let format: KeyFormat = req.key_format.as_deref().unwrap_or("pem").parse()?;
    let tags = check_new_name(ctx, &req.key_name, &req.tag_specifications)?;
    let created = key_pair::create(key_type, format, &req.key_name);
    let stored = store(
        ctx,
        req.key_name,
        key_type,
        created.fingerprint,
        created.public_key,
        tags,
    )?;
    Ok(CreateKeyPairResponse {
        key_pair_id: stored.key_pair_id,
        key_name: stored.name,
        key_fingerprint: stored.fingerprint,
        key_material: created.key_material,
        tags: tag_set(&stored.tags),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ImportKeyPairRequest {
    key_name: String,
    /// The key file's bytes, base64-encoded on the wire as every blob is.
    public_key_material: String,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportKeyPairResponse {
    key_pair_id: String,
    key_name: String,
    key_fingerprint: String,
    tags: Option<Vec<TagWire>>,
}

pub fn import_key_pair(
    ctx: &mut Ctx,
    req: ImportKeyPairRequest,
) -> Result<ImportKeyPairResponse, Ec2Error> {
    let tags = check_new_name(ctx, &req.key_name, &req.tag_specifications)?;
    // Bytes that are not base64 are no key either; `import` refuses the empty input.
    let material = STANDARD
        .decode(req.public_key_material.trim())
        .unwrap_or_default();
    let imported = key_pair::import(&material, &req.key_name)?;
    let stored = store(
        ctx,
        req.key_name,
        imported.key_type,
        imported.fingerprint,
        imported.public_key,
        tags,
    )?;
    Ok(ImportKeyPairResponse {
        key_pair_id: stored.key_pair_id,
        key_name: stored.name,
        key_fingerprint: stored.fingerprint,
        tags: tag_set(&stored.tags),
    })
}

/// Checks a new key's name (well-formed and free) and its tag specifications.
fn check_new_name(ctx: &Ctx, name: &str, specs: &[TagSpecification]) -> Result<Vec<Tag>, Ec2Error> {
    key_pair::check_name(name)?;
    let tags = tags_for(specs, IdKind::KeyPair)?;
    if ctx.tx.key_pair_named(name)?.is_some() {
        return Err(key_pair::duplicate(name));
    }
    Ok(tags)
}

fn store(
    ctx: &mut Ctx,
    name: String,
    key_type: KeyType,
    fingerprint: String,
    public_key: String,
    tags: Vec<Tag>,
) -> Result<KeyPair, Ec2Error> {
    let key = KeyPair {
        key_pair_id: IdKind::KeyPair.generate(),
        name,
        key_type,
        fingerprint,
        public_key,
        create_time: ctx.now.clone(),
        tags,
    };
    ctx.tx.insert_key_pair(&key)?;
    Ok(key)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeKeyPairsRequest {
    #[serde(default)]
    key_names: Vec<String>,
    #[serde(default)]
    key_pair_ids: Vec<String>,
    include_public_key: Option<bool>,
    #[serde(default)]
    filters: Vec<FilterWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyPairInfoWire {
    key_pair_id: String,
    key_type: &'static str,
    tags: Vec<TagWire>,
    public_key: Option<String>,
    create_time: String,
    key_name: String,
    key_fingerprint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeKeyPairsResponse {
    key_pairs: Vec<KeyPairInfoWire>,
}

/// DescribeKeyPairs: every listed name and ID must exist; public keys only on request.
pub fn describe_key_pairs(
    ctx: &mut Ctx,
    req: DescribeKeyPairsRequest,
) -> Result<DescribeKeyPairsResponse, Ec2Error> {
    let all = ctx.tx.key_pairs()?;
    if let Some(missing) = req
        .key_names
        .iter()
        .find(|name| !all.iter().any(|k| &k.name == *name))
    {
        return Err(key_pair::not_found(missing));
    }
    let mut keys = all;
    if !req.key_names.is_empty() {
        keys.retain(|k| req.key_names.contains(&k.name));
    }
    let (keys, _) = select(
        keys,
        |k| &k.key_pair_id,
        key_pair::FILTERS,
        Selection {
            kind: IdKind::KeyPair,
            ids: &req.key_pair_ids,
            filters: &req.filters,
            max_results: None,
            next_token: None,
            limits: DEFAULT_LIMITS,
        },
    )?;
    let include_public_key = req.include_public_key.unwrap_or(false);
    Ok(DescribeKeyPairsResponse {
        key_pairs: keys
            .into_iter()
            .map(|k| KeyPairInfoWire {
                key_pair_id: k.key_pair_id,
                key_type: k.key_type.as_str(),
                tags: k.tags.iter().map(TagWire::from).collect(),
                public_key: include_public_key.then_some(k.public_key),
                create_time: k.create_time,
                key_name: k.name,
                key_fingerprint: k.fingerprint,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteKeyPairRequest {
    key_name: Option<String>,
    key_pair_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteKeyPairResponse {
    r#return: bool,
    key_pair_id: Option<String>,
}

/// DeleteKeyPair by ID or name. A key that does not exist is no error: as on EC2 the call
/// succeeds, without a `KeyPairId`.
pub fn delete_key_pair(
    ctx: &mut Ctx,
    req: DeleteKeyPairRequest,
) -> Result<DeleteKeyPairResponse, Ec2Error> {
    let key = match (&req.key_pair_id, &req.key_name) {
        (Some(id), _) => ctx.tx.key_pair_with_id(&IdKind::KeyPair.parse(id)?)?,
        (None, Some(name)) => ctx.tx.key_pair_named(name)?,
        (None, None) => return Err(Ec2Error::missing_parameter("KeyName or KeyPairId")),
    };
    if let Some(key) = &key {
        ctx.tx.delete_key_pair(&key.key_pair_id)?;
    }
    Ok(DeleteKeyPairResponse {
        r#return: true,
        key_pair_id: key.map(|k| k.key_pair_id),
    })
}
