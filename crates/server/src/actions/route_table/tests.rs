//! Handler tests for what the end-to-end suite cannot reach yet: subnets, detached and deleted
//! gateways (their actions are written elsewhere) and quotas too large to fill over HTTP.
//! Each test runs the real dispatch against a freshly provisioned in-memory account.

use crate::context::{Config, Ctx};
use crate::{dispatch, provision};
use localvpc_model::Ec2Error;
use localvpc_model::region::Region;
use localvpc_store::Store;
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

/// Runs `test` inside a new account's transaction, provisioned as the HTTP edge does.
fn with_account(config: Config, test: impl FnOnce(&mut Ctx)) {
    let store = Store::in_memory().expect("in-memory store");
    store
        .transact(ACCOUNT, "ap-northeast-1", |tx, _| {
            let mut ctx = Ctx {
                tx,
                account: ACCOUNT,
                region: Region::named("ap-northeast-1")?,
                config: &config,
                now: "2026-01-01T00:00:00.000Z".into(),
            };
            provision::provision_partition(&mut ctx)?;
            test(&mut ctx);
            Ok(())
        })
        .expect("transaction");
}

fn call(ctx: &mut Ctx, action: &str, input: Value) -> Result<Value, Ec2Error> {
    dispatch::dispatch(ctx, action, input)
}

fn ok(ctx: &mut Ctx, action: &str, input: Value) -> Value {
    call(ctx, action, input).unwrap_or_else(|e| panic!("{action}: {e}"))
}

fn code(result: Result<Value, Ec2Error>) -> &'static str {
    result.expect_err("the call must fail").code.as_str()
}

struct DefaultVpc {
    vpc_id: String,
    igw_id: String,
    subnet_ids: Vec<String>,
}

fn default_vpc(ctx: &mut Ctx) -> DefaultVpc {
    let vpc_id = ctx.tx.vpcs(ACCOUNT).unwrap()[0].id.clone();
    DefaultVpc {
        igw_id: ctx.tx.internet_gateway_of_vpc(&vpc_id).unwrap().unwrap(),
        subnet_ids: ctx
            .tx
            .subnets(&ctx.owner(), Some(&vpc_id))
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect(),
        vpc_id,
    }
}

fn create_table(ctx: &mut Ctx, vpc_id: &str) -> String {
    let out = ok(ctx, "CreateRouteTable", json!({ "VpcId": vpc_id }));
    out["RouteTable"]["RouteTableId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn describe(ctx: &mut Ctx, table_id: &str) -> Value {
    let out = ok(
        ctx,
        "DescribeRouteTables",
        json!({ "RouteTableIds": [table_id] }),
    );
    out["RouteTables"][0].clone()
}

#[test]
fn routes_to_a_detached_or_deleted_gateway_are_blackholes() {
    with_account(Config::default(), |ctx| {
        let vpc = default_vpc(ctx);
        let table = create_table(ctx, &vpc.vpc_id);
        let route = json!({ "RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": vpc.igw_id });
        ok(ctx, "CreateRoute", route.clone());
        let state = |ctx: &mut Ctx| describe(ctx, &table)["Routes"][1]["State"].clone();
        assert_eq!(state(ctx), "active");

        ctx.tx.set_internet_gateway_vpc(&vpc.igw_id, None).unwrap();
        assert_eq!(state(ctx), "blackhole");
        let found = ok(
            ctx,
            "DescribeRouteTables",
            json!({ "Filters": [{ "Name": "route.state", "Values": ["blackhole"] }] }),
        );
        assert_eq!(
            found["RouteTables"].as_array().unwrap().len(),
            2,
            "main and new table"
        );
        // A detached gateway is no target for new routes.
        let other = json!({ "RouteTableId": table, "DestinationCidrBlock": "1.0.0.0/8", "GatewayId": vpc.igw_id });
        assert_eq!(
            code(call(ctx, "CreateRoute", other)),
            "InvalidParameterValue"
        );

        ctx.tx.delete_internet_gateway(&vpc.igw_id).unwrap();
        assert_eq!(state(ctx), "blackhole");
        assert_eq!(
            describe(ctx, &table)["Routes"][1]["GatewayId"],
            vpc.igw_id.as_str()
        );
    });
}

#[test]
fn subnet_associations() {
    with_account(Config::default(), |ctx| {
        let vpc = default_vpc(ctx);
        let subnet = vpc.subnet_ids[0].clone();
        let table = create_table(ctx, &vpc.vpc_id);
        let associate = json!({ "RouteTableId": table, "SubnetId": subnet });
        let out = ok(ctx, "AssociateRouteTable", associate.clone());
        assert_eq!(out["AssociationState"]["State"], "associated");
        let association = out["AssociationId"].as_str().unwrap().to_owned();
        assert!(association.starts_with("rtbassoc-"));
        assert_eq!(
            describe(ctx, &table)["Associations"],
            json!([{
                "Main": false,
                "RouteTableAssociationId": association,
                "RouteTableId": table,
                "SubnetId": subnet,
                "GatewayId": null, // left out of the XML
                "AssociationState": { "State": "associated" },
            }])
        );
        let found = ok(
            ctx,
            "DescribeRouteTables",
            json!({ "Filters": [{ "Name": "association.subnet-id", "Values": [subnet] }] }),
        );
        assert_eq!(found["RouteTables"][0]["RouteTableId"], table.as_str());

        // One explicit association per subnet, even to the same table.
        assert_eq!(
            code(call(ctx, "AssociateRouteTable", associate)),
            "Resource.AlreadyAssociated"
        );
        let other = create_table(ctx, &vpc.vpc_id);
        let again = json!({ "RouteTableId": other, "SubnetId": subnet });
        assert_eq!(
            code(call(ctx, "AssociateRouteTable", again.clone())),
            "Resource.AlreadyAssociated"
        );
        // A table in use stays.
        let delete = json!({ "RouteTableId": table });
        let err = call(ctx, "DeleteRouteTable", delete.clone()).unwrap_err();
        assert_eq!(err.code.as_str(), "DependencyViolation");
        assert_eq!(
            err.message,
            format!("The routeTable '{table}' has dependencies and cannot be deleted.")
        );

        // The association moves to another table under a new ID.
        let moved = ok(
            ctx,
            "ReplaceRouteTableAssociation",
            json!({ "AssociationId": association, "RouteTableId": other }),
        );
        let new_association = moved["NewAssociationId"].as_str().unwrap().to_owned();
        assert_ne!(new_association, association);
        assert_eq!(
            describe(ctx, &other)["Associations"][0]["SubnetId"],
            subnet.as_str()
        );
        assert_eq!(describe(ctx, &table)["Associations"], json!([]));
        let stale = json!({ "AssociationId": association });
        assert_eq!(
            code(call(ctx, "DisassociateRouteTable", stale)),
            "InvalidAssociationID.NotFound"
        );

        // Back to the main table implicitly: no association shows anywhere.
        ok(
            ctx,
            "DisassociateRouteTable",
            json!({ "AssociationId": new_association }),
        );
        let found = ok(
            ctx,
            "DescribeRouteTables",
            json!({ "Filters": [{ "Name": "association.subnet-id", "Values": [subnet] }] }),
        );
        assert_eq!(found["RouteTables"], json!([]));
        ok(ctx, "DeleteRouteTable", delete);
        ok(ctx, "AssociateRouteTable", again);
    });
}

#[test]
fn subnets_and_tables_of_different_vpcs_do_not_mix() {
    with_account(Config::default(), |ctx| {
        let vpc = default_vpc(ctx);
        let new_vpc = ok(ctx, "CreateVpc", json!({ "CidrBlock": "10.0.0.0/16" }));
        let foreign = create_table(ctx, new_vpc["Vpc"]["VpcId"].as_str().unwrap());
        let err = call(
            ctx,
            "AssociateRouteTable",
            json!({ "RouteTableId": foreign, "SubnetId": vpc.subnet_ids[0] }),
        )
        .unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidParameterValue");
        assert_eq!(
            err.message,
            format!(
                "route table {foreign} and subnet {} belong to different networks",
                vpc.subnet_ids[0]
            )
        );

        let table = create_table(ctx, &vpc.vpc_id);
        let out = ok(
            ctx,
            "AssociateRouteTable",
            json!({ "RouteTableId": table, "SubnetId": vpc.subnet_ids[0] }),
        );
        let move_away = json!({ "AssociationId": out["AssociationId"], "RouteTableId": foreign });
        assert_eq!(
            code(call(ctx, "ReplaceRouteTableAssociation", move_away)),
            "InvalidParameterValue"
        );
    });
}

#[test]
fn association_parameters() {
    with_account(Config::default(), |ctx| {
        let vpc = default_vpc(ctx);
        let table = create_table(ctx, &vpc.vpc_id);
        let neither = json!({ "RouteTableId": table });
        assert_eq!(
            code(call(ctx, "AssociateRouteTable", neither)),
            "MissingParameter"
        );
        let both = json!({ "RouteTableId": table, "SubnetId": vpc.subnet_ids[0], "GatewayId": vpc.igw_id });
        assert_eq!(
            code(call(ctx, "AssociateRouteTable", both)),
            "InvalidParameterCombination"
        );
        let unknown = json!({ "RouteTableId": table, "SubnetId": "subnet-0123456789abcdef0" });
        assert_eq!(
            code(call(ctx, "AssociateRouteTable", unknown)),
            "InvalidSubnetID.NotFound"
        );
        let malformed = json!({ "RouteTableId": table, "SubnetId": "sub-1" });
        assert_eq!(
            code(call(ctx, "AssociateRouteTable", malformed)),
            "InvalidSubnetID.Malformed"
        );
    });
}

#[test]
fn more_specific_routes_need_an_interface_even_for_a_whole_subnet() {
    with_account(Config::default(), |ctx| {
        let vpc = default_vpc(ctx);
        let table = create_table(ctx, &vpc.vpc_id);
        let subnet = ctx.tx.subnet(&ctx.owner(), &vpc.subnet_ids[0]).unwrap();
        let to_igw = json!({
            "RouteTableId": table,
            "DestinationCidrBlock": subnet.cidr.to_string(),
            "GatewayId": vpc.igw_id,
        });
        let err = call(ctx, "CreateRoute", to_igw).unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidParameterValue");
        assert!(err.message.contains("equal to or more specific"), "{err}");
    });
}

#[test]
fn deleting_a_subnet_ends_its_association() {
    with_account(Config::default(), |ctx| {
        let vpc = default_vpc(ctx);
        let table = create_table(ctx, &vpc.vpc_id);
        let subnet = vpc.subnet_ids[0].clone();
        ok(
            ctx,
            "AssociateRouteTable",
            json!({ "RouteTableId": table, "SubnetId": subnet }),
        );
        ctx.tx.delete_subnet(&subnet).unwrap();
        assert_eq!(describe(ctx, &table)["Associations"], json!([]));
    });
}

#[test]
fn route_table_quota_counts_the_main_table() {
    let mut config = Config::default();
    config.quotas.route_tables_per_vpc = 3;
    with_account(config, |ctx| {
        let vpc = default_vpc(ctx);
        create_table(ctx, &vpc.vpc_id);
        create_table(ctx, &vpc.vpc_id);
        let create = json!({ "VpcId": vpc.vpc_id });
        let err = call(ctx, "CreateRouteTable", create).unwrap_err();
        assert_eq!(err.code.as_str(), "RouteTableLimitExceeded");
    });
}

#[test]
fn route_quota_leaves_out_local_routes() {
    let mut config = Config::default();
    config.quotas.routes_per_route_table = 2;
    with_account(config, |ctx| {
        let vpc = default_vpc(ctx);
        let table = create_table(ctx, &vpc.vpc_id);
        let route = |cidr: &str| json!({ "RouteTableId": table, "DestinationCidrBlock": cidr, "GatewayId": vpc.igw_id });
        ok(ctx, "CreateRoute", route("1.0.0.0/8"));
        ok(ctx, "CreateRoute", route("2.0.0.0/8"));
        assert_eq!(
            code(call(ctx, "CreateRoute", route("3.0.0.0/8"))),
            "RouteLimitExceeded"
        );
    });
}
