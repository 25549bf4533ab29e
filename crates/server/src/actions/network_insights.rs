//! Reachability Analyzer: CreateNetworkInsightsPath, DescribeNetworkInsightsPaths,
//! DeleteNetworkInsightsPath, StartNetworkInsightsAnalysis, DescribeNetworkInsightsAnalyses,
//! DeleteNetworkInsightsAnalysis (reachability.md §1). Start analyzes the partition as of its
//! own transaction and stores the outcome: later changes never alter it. Pollers see `running`
//! until the configured delay has passed (none by default), then `succeeded`.

use crate::context::Ctx;
use crate::insights::{self, render};
use crate::wire::{FilterWire, Selection, TagSpecification, TagWire, select, tags_for};
use localvpc_analyzer::{Component, Kind};
use localvpc_model::filter::{FilterDef, Tagged, def, one};
use localvpc_model::network_insights::{self as ni, InsightsPath, PathFilter, PortRange};
use localvpc_model::page::PageLimits;
use localvpc_model::{Ec2Error, IdKind, Tag};
use localvpc_store::{StoredAnalysis, StoredPath};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Both Describe calls take `MaxResults` from 1 to 100.
const PAGE_LIMITS: PageLimits = PageLimits { min: 1, max: 100 };

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RangeWire {
    from_port: Option<i64>,
    to_port: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FilterRequestWire {
    source_address: Option<String>,
    source_port_range: Option<RangeWire>,
    destination_address: Option<String>,
    destination_port_range: Option<RangeWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreatePathRequest {
    source: String,
    destination: Option<String>,
    source_ip: Option<String>,
    destination_ip: Option<String>,
    protocol: String,
    destination_port: Option<i64>,
    filter_at_source: Option<FilterRequestWire>,
    filter_at_destination: Option<FilterRequestWire>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    #[allow(dead_code)]
    client_token: Option<String>,
}

fn path_filter(w: Option<FilterRequestWire>, name: &str) -> Result<Option<PathFilter>, Ec2Error> {
    let Some(w) = w else { return Ok(None) };
    let address = |a: Option<String>, member: &str| {
        a.map(|a| ni::address(&a, &format!("{name}.{member}")))
            .transpose()
    };
    let range = |r: Option<RangeWire>, member: &str| match r {
        Some(r) => PortRange::new(r.from_port, r.to_port, &format!("{name}.{member}")),
        None => Ok(None),
    };
    Ok(Some(PathFilter {
        source_address: address(w.source_address, "SourceAddress")?,
        destination_address: address(w.destination_address, "DestinationAddress")?,
        source_port_range: range(w.source_port_range, "SourcePortRange")?,
        destination_port_range: range(w.destination_port_range, "DestinationPortRange")?,
    }))
}

pub fn create_path(ctx: &mut Ctx, req: CreatePathRequest) -> Result<Value, Ec2Error> {
    let (region, account) = (ctx.region.name, ctx.account);
    let protocol = req.protocol.to_ascii_lowercase();
    let (source_kind, source, source_arn) = ni::endpoint(&req.source, "Source", region, account)?;
    let destination = req
        .destination
        .as_deref()
        .map(|d| ni::endpoint(d, "Destination", region, account))
        .transpose()?;
    let filter_at_source = path_filter(req.filter_at_source, "FilterAtSource")?;
    let filter_at_destination = path_filter(req.filter_at_destination, "FilterAtDestination")?;
    ni::check_members(&ni::PathMembers {
        destination: destination.is_some(),
        source_ip: req.source_ip.is_some(),
        destination_ip: req.destination_ip.is_some(),
        destination_port: req.destination_port.is_some(),
        filter_at_source: filter_at_source.as_ref(),
        filter_at_destination: filter_at_destination.is_some(),
    })?;
    let destination_port = req.destination_port.map(ni::destination_port).transpose()?;
    let source_ip = req
        .source_ip
        .map(|a| ni::address(&a, "SourceIp"))
        .transpose()?;
    let destination_ip = req
        .destination_ip
        .map(|a| ni::address(&a, "DestinationIp"))
        .transpose()?;
    for (kind, id) in
        std::iter::once((source_kind, &source)).chain(destination.iter().map(|(k, id, _)| (*k, id)))
    {
        if ctx.tx.resource_type(kind, id)?.is_none() {
            return Err(kind.not_found(id));
        }
    }
    let tags = tags_for(&req.tag_specifications, IdKind::NetworkInsightsPath)?;
    let id = IdKind::NetworkInsightsPath.generate();
    let path = InsightsPath {
        arn: format!("arn:aws:ec2:{region}:{account}:network-insights-path/{id}"),
        id,
        created: ctx.now.clone(),
        source,
        source_arn,
        destination: destination.as_ref().map(|(_, id, _)| id.clone()),
        destination_arn: destination.map(|(_, _, arn)| arn),
        source_ip,
        destination_ip,
        protocol,
        destination_port,
        filter_at_source,
        filter_at_destination,
        tags,
    };
    ctx.tx.insert_network_insights_path(&StoredPath {
        id: path.id.clone(),
        created: path.created.clone(),
        body: serde_json::to_string(&path).map_err(|_| Ec2Error::internal())?,
        tags: path.tags.clone(),
    })?;
    Ok(json!({ "NetworkInsightsPath": path_json(&path) }))
}

fn stored_path(p: StoredPath) -> Result<InsightsPath, Ec2Error> {
    let mut path: InsightsPath = serde_json::from_str(&p.body).map_err(|e| {
        tracing::error!(error = %e, "stored path does not parse");
        Ec2Error::internal()
    })?;
    path.tags = p.tags;
    Ok(path)
}

fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| serde_json::to_value(TagWire::from(t)).unwrap_or(Value::Null))
            .collect(),
    )
}

fn filter_json(f: &PathFilter) -> Value {
    let range = |r: Option<PortRange>| r.map(|r| json!({"FromPort": r.from, "ToPort": r.to}));
    json!({
        "SourceAddress": f.source_address.map(|a| a.to_string()),
        "SourcePortRange": range(f.source_port_range),
        "DestinationAddress": f.destination_address.map(|a| a.to_string()),
        "DestinationPortRange": range(f.destination_port_range),
    })
}

fn path_json(p: &InsightsPath) -> Value {
    json!({
        "NetworkInsightsPathId": p.id,
        "NetworkInsightsPathArn": p.arn,
        "CreatedDate": p.created,
        "Source": p.source,
        "Destination": p.destination,
        "SourceArn": p.source_arn,
        "DestinationArn": p.destination_arn,
        "SourceIp": p.source_ip.map(|a| a.to_string()),
        "DestinationIp": p.destination_ip.map(|a| a.to_string()),
        "Protocol": p.protocol,
        "DestinationPort": p.destination_port,
        "Tags": tags_json(&p.tags),
        "FilterAtSource": p.filter_at_source.as_ref().map(filter_json),
        "FilterAtDestination": p.filter_at_destination.as_ref().map(filter_json),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribePathsRequest {
    #[serde(default)]
    network_insights_path_ids: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn all_paths(ctx: &Ctx) -> Result<Vec<InsightsPath>, Ec2Error> {
    let mut paths = ctx
        .tx
        .network_insights_paths()?
        .into_iter()
        .map(stored_path)
        .collect::<Result<Vec<_>, _>>()?;
    paths.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(paths)
}

pub fn describe_paths(ctx: &mut Ctx, req: DescribePathsRequest) -> Result<Value, Ec2Error> {
    let (paths, next) = select(
        all_paths(ctx)?,
        |p| &p.id,
        ni::PATH_FILTERS,
        Selection {
            kind: IdKind::NetworkInsightsPath,
            ids: &req.network_insights_path_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: PAGE_LIMITS,
        },
    )?;
    Ok(json!({
        "NetworkInsightsPaths": paths.iter().map(path_json).collect::<Vec<_>>(),
        "NextToken": next,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeletePathRequest {
    network_insights_path_id: String,
}

pub fn delete_path(ctx: &mut Ctx, req: DeletePathRequest) -> Result<Value, Ec2Error> {
    let id = IdKind::NetworkInsightsPath.parse(&req.network_insights_path_id)?;
    if ctx.tx.network_insights_path(&id)?.is_none() {
        return Err(IdKind::NetworkInsightsPath.not_found(&id));
    }
    ni::check_delete(&id, ctx.tx.first_analysis_of_path(&id)?.as_deref())?;
    ctx.tx.delete_network_insights_path(&id)?;
    Ok(json!({ "NetworkInsightsPathId": id }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StartRequest {
    network_insights_path_id: String,
    #[serde(default)]
    additional_accounts: Vec<String>,
    #[serde(default)]
    filter_in_arns: Vec<String>,
    #[serde(default)]
    filter_out_arns: Vec<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    #[allow(dead_code)]
    client_token: Option<String>,
}

/// Milliseconds since the epoch of an EC2 timestamp (`2013-11-30T23:36:42.000Z`).
fn millis(timestamp: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(timestamp)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// `FilterInArns`/`FilterOutArns` as analyzer components. Another account's resource can
/// never be on a path here (localvpc has no cross-account peering, transit gateway or shared
/// subnet), so it is checked for form only; the caller's must exist.
fn filter_components(
    ctx: &Ctx,
    arns: &[String],
    member: &str,
    accounts: &[&str],
) -> Result<Vec<Component>, Ec2Error> {
    let mut out = Vec::new();
    for arn in arns {
        let (kind, id, owner) = ni::filter_arn(arn, member, ctx.region.name, accounts)?;
        if owner == ctx.account {
            let exists = ctx.tx.resource_type(kind, &id)?.is_some();
            ni::check_filter_resource(arn, member, exists)?;
        }
        let kind = match kind {
            IdKind::Vpc => Kind::Vpc,
            IdKind::Subnet => Kind::Subnet,
            IdKind::SecurityGroup => Kind::SecurityGroup,
            IdKind::NetworkAcl => Kind::NetworkAcl,
            IdKind::RouteTable => Kind::RouteTable,
            IdKind::InternetGateway => Kind::InternetGateway,
            IdKind::NetworkInterface => Kind::NetworkInterface,
            _ => Kind::Instance,
        };
        out.push(Component::new(kind, &id));
    }
    Ok(out)
}

pub fn start_analysis(ctx: &mut Ctx, req: StartRequest) -> Result<Value, Ec2Error> {
    for a in &req.additional_accounts {
        ni::account_id(a)?;
    }
    let mut accounts: Vec<&str> = vec![ctx.account];
    accounts.extend(req.additional_accounts.iter().map(String::as_str));
    let filter_in = filter_components(ctx, &req.filter_in_arns, "FilterInArns", &accounts)?;
    let filter_out = filter_components(ctx, &req.filter_out_arns, "FilterOutArns", &accounts)?;
    let path_id = IdKind::NetworkInsightsPath.parse(&req.network_insights_path_id)?;
    let Some(stored) = ctx.tx.network_insights_path(&path_id)? else {
        return Err(IdKind::NetworkInsightsPath.not_found(&path_id));
    };
    let path = stored_path(stored)?;
    ni::check_filter_out(&path, filter_out.iter().map(|c| c.id.as_str()))?;
    let tags = tags_for(&req.tag_specifications, IdKind::NetworkInsightsAnalysis)?;
    let (region, account) = (ctx.region.name, ctx.account);
    let id = IdKind::NetworkInsightsAnalysis.generate();
    let arns = render::Arns { region, account };
    let (body, trace) = match insights::query(&path) {
        Some(mut query) => {
            query.filter_in = filter_in;
            query.filter_out = filter_out;
            let (analysis, net) = insights::analyze(ctx.tx, account, region, &query)?;
            let mut body = render::aws_outcome(&analysis, &arns);
            body.insert("Status".into(), json!("succeeded"));
            (body, render::trace(&analysis, None, &net))
        }
        None => {
            let mut body = Map::new();
            body.insert("Status".into(), json!("failed"));
            body.insert(
                "StatusMessage".into(),
                json!("localvpc: the path's port ranges admit no packet"),
            );
            (body, Value::Null)
        }
    };
    let mut body = body;
    for (member, values) in [
        ("AdditionalAccounts", &req.additional_accounts),
        ("FilterInArns", &req.filter_in_arns),
        ("FilterOutArns", &req.filter_out_arns),
    ] {
        if !values.is_empty() {
            body.insert(member.into(), json!(values));
        }
    }
    let ready_at = millis(&ctx.now).unwrap_or(0) + ctx.config.analysis_delay_ms as i64;
    let analysis = StoredAnalysis {
        id: id.clone(),
        path_id,
        start_date: ctx.now.clone(),
        ready_at,
        body: Value::Object(body).to_string(),
        trace: trace.to_string(),
        tags,
    };
    ctx.tx.insert_network_insights_analysis(&analysis)?;
    let view = view(analysis, i64::MIN, region, account)?;
    Ok(json!({ "NetworkInsightsAnalysis": view.json }))
}

/// An analysis as Describe shows it at one moment.
struct View {
    id: String,
    path_id: String,
    start: i64,
    status: String,
    found: Option<bool>,
    tags: Vec<Tag>,
    json: Value,
}

impl Tagged for View {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

const ANALYSIS_FILTERS: &[FilterDef<View>] = &[
    def("status", |v| one(&v.status)),
    def("path-found", |v| {
        v.found.map(|f| f.to_string()).into_iter().collect()
    }),
];

/// Start's request members, stored with the outcome.
const REQUEST_MEMBERS: [&str; 3] = ["AdditionalAccounts", "FilterInArns", "FilterOutArns"];

/// `running` (base members only) until `ready_at`, then the stored outcome.
fn view(a: StoredAnalysis, now: i64, region: &str, account: &str) -> Result<View, Ec2Error> {
    let mut json = json!({
        "NetworkInsightsAnalysisId": a.id,
        "NetworkInsightsAnalysisArn": format!("arn:aws:ec2:{region}:{account}:network-insights-analysis/{}", a.id),
        "NetworkInsightsPathId": a.path_id,
        "FilterInArns": [],
        "FilterOutArns": [],
        "StartDate": a.start_date,
        "Status": "running",
        "Tags": tags_json(&a.tags),
    });
    let Value::Object(outcome) = serde_json::from_str(&a.body).map_err(|_| Ec2Error::internal())?
    else {
        return Err(Ec2Error::internal());
    };
    let mut found = None;
    if now >= a.ready_at {
        found = outcome.get("NetworkPathFound").and_then(Value::as_bool);
    }
    for (k, v) in outcome {
        // What Start was asked is shown at once; the outcome once it has settled.
        if now >= a.ready_at || REQUEST_MEMBERS.contains(&k.as_str()) {
            json[k] = v;
        }
    }
    Ok(View {
        status: json["Status"].as_str().unwrap_or("running").to_owned(),
        start: millis(&a.start_date).unwrap_or(0),
        id: a.id,
        path_id: a.path_id,
        found,
        tags: a.tags,
        json,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeAnalysesRequest {
    #[serde(default)]
    network_insights_analysis_ids: Vec<String>,
    network_insights_path_id: Option<String>,
    analysis_start_time: Option<String>,
    analysis_end_time: Option<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn time_bound(t: &Option<String>, name: &str) -> Result<Option<i64>, Ec2Error> {
    t.as_deref()
        .map(|t| {
            millis(t)
                .or_else(|| t.parse::<f64>().ok().map(|s| (s * 1000.0) as i64))
                .ok_or_else(|| Ec2Error::invalid_parameter(name, t))
        })
        .transpose()
}

pub fn describe_analyses(ctx: &mut Ctx, req: DescribeAnalysesRequest) -> Result<Value, Ec2Error> {
    let now = chrono::Utc::now().timestamp_millis();
    let (region, account) = (ctx.region.name, ctx.account);
    let path = req
        .network_insights_path_id
        .as_deref()
        .map(|p| IdKind::NetworkInsightsPath.parse(p))
        .transpose()?;
    let from = time_bound(&req.analysis_start_time, "AnalysisStartTime")?;
    let to = time_bound(&req.analysis_end_time, "AnalysisEndTime")?;
    let mut views = ctx
        .tx
        .network_insights_analyses()?
        .into_iter()
        .map(|a| view(a, now, region, account))
        .collect::<Result<Vec<_>, _>>()?;
    views.retain(|v| {
        path.as_ref().is_none_or(|p| &v.path_id == p)
            && from.is_none_or(|f| v.start >= f)
            && to.is_none_or(|t| v.start <= t)
    });
    views.sort_by(|a, b| a.id.cmp(&b.id));
    let (views, next) = select(
        views,
        |v| &v.id,
        ANALYSIS_FILTERS,
        Selection {
            kind: IdKind::NetworkInsightsAnalysis,
            ids: &req.network_insights_analysis_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: PAGE_LIMITS,
        },
    )?;
    Ok(json!({
        "NetworkInsightsAnalyses": views.into_iter().map(|v| v.json).collect::<Vec<_>>(),
        "NextToken": next,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteAnalysisRequest {
    network_insights_analysis_id: String,
}

pub fn delete_analysis(ctx: &mut Ctx, req: DeleteAnalysisRequest) -> Result<Value, Ec2Error> {
    let id = IdKind::NetworkInsightsAnalysis.parse(&req.network_insights_analysis_id)?;
    if !ctx
        .tx
        .network_insights_analyses()?
        .iter()
        .any(|a| a.id == id)
    {
        return Err(IdKind::NetworkInsightsAnalysis.not_found(&id));
    }
    ctx.tx.delete_network_insights_analysis(&id)?;
    Ok(json!({ "NetworkInsightsAnalysisId": id }))
}
