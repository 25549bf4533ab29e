//! Template data: the RunInstances members a launch template can hold (the same wire names in
//! requests, in storage and in responses), how a launch merges them under its own parameters, and
//! the data GetLaunchTemplateData rebuilds from an instance.

use crate::actions::instance::run::{
    MetadataOptionsRequest, MonitoringRequest, NetworkInterfaceSpec, PlacementRequest,
    RunInstancesRequest,
};
use crate::actions::network_interface::create::PrivateIpSpec;
use crate::wire::{TagSpecification, TagWire};
use base64::Engine;
use localvpc_model::Ec2Error;
use localvpc_model::instance::Instance;
use serde::{Deserialize, Serialize};

/// `LaunchTemplateData`. A member localvpc cannot launch with (block devices, market options,
/// …) is refused at creation as `UnsupportedOperation` rather than stored and ignored.
#[derive(Deserialize, Serialize, Default, Clone, Debug, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LaunchTemplateData {
    pub(crate) image_id: Option<String>,
    pub(crate) instance_type: Option<String>,
    pub(crate) key_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) security_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) network_interfaces: Vec<NetworkInterfaceSpec>,
    pub(crate) placement: Option<PlacementRequest>,
    pub(crate) user_data: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) tag_specifications: Vec<TagSpecification>,
    pub(crate) metadata_options: Option<MetadataOptionsRequest>,
    pub(crate) monitoring: Option<MonitoringRequest>,
    pub(crate) disable_api_termination: Option<bool>,
    pub(crate) instance_initiated_shutdown_behavior: Option<String>,
}

impl LaunchTemplateData {
    /// What CreateLaunchTemplate(Version) checks: syntax only. Whether the image, subnet or
    /// groups exist, and whether the interfaces and instance-level settings clash, is checked
    /// at launch, where EC2 reports it ("You must use a valid fully-formed launch template").
    pub fn check_syntax(&self) -> Result<(), Ec2Error> {
        if let Some(limit) = self
            .metadata_options
            .as_ref()
            .and_then(|m| m.http_put_response_hop_limit)
            .filter(|l| !(1..=64).contains(l))
        {
            return Err(Ec2Error::invalid_parameter(
                "HttpPutResponseHopLimit",
                &limit.to_string(),
            ));
        }
        if let Some(data) = &self.user_data
            && base64::engine::general_purpose::STANDARD
                .decode(data)
                .is_err()
        {
            return Err(Ec2Error::invalid_value(
                "Invalid BASE64 encoding of user data.",
            ));
        }
        Ok(())
    }

    /// A new version from `source`'s data: every top-level member the request gives replaces
    /// the inherited one whole (lists included).
    pub fn over(self, source: LaunchTemplateData) -> LaunchTemplateData {
        fn list<T>(mine: Vec<T>, theirs: Vec<T>) -> Vec<T> {
            if mine.is_empty() { theirs } else { mine }
        }
        LaunchTemplateData {
            image_id: self.image_id.or(source.image_id),
            instance_type: self.instance_type.or(source.instance_type),
            key_name: self.key_name.or(source.key_name),
            security_group_ids: list(self.security_group_ids, source.security_group_ids),
            security_groups: list(self.security_groups, source.security_groups),
            network_interfaces: list(self.network_interfaces, source.network_interfaces),
            placement: self.placement.or(source.placement),
            user_data: self.user_data.or(source.user_data),
            tag_specifications: list(self.tag_specifications, source.tag_specifications),
            metadata_options: self.metadata_options.or(source.metadata_options),
            monitoring: self.monitoring.or(source.monitoring),
            disable_api_termination: self
                .disable_api_termination
                .or(source.disable_api_termination),
            instance_initiated_shutdown_behavior: self
                .instance_initiated_shutdown_behavior
                .or(source.instance_initiated_shutdown_behavior),
        }
    }

    /// The data as stored (JSON with the wire member names).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("template data serialises")
    }

    pub fn from_json(text: &str) -> Result<Self, Ec2Error> {
        serde_json::from_str(text).map_err(|e| {
            tracing::error!(error = %e, "stored launch template data does not parse");
            Ec2Error::internal()
        })
    }

    /// GetLaunchTemplateData: the instance's launch parameters, its interfaces with their IDs,
    /// subnets, groups and addresses (as EC2's API gives them; only the console drops those).
    pub fn of_instance(instance: &Instance) -> Self {
        let network_interfaces = instance
            .interfaces
            .iter()
            .filter_map(|eni| {
                let a = eni.attachment.as_ref()?;
                Some(NetworkInterfaceSpec {
                    delete_on_termination: Some(a.delete_on_termination),
                    description: Some(eni.description.clone()),
                    device_index: Some(a.device_index.into()),
                    network_card_index: Some(a.network_card_index.into()),
                    groups: eni.groups.iter().map(|g| g.id.clone()).collect(),
                    network_interface_id: Some(eni.id.clone()),
                    private_ip_address: Some(eni.primary_ip().to_string()),
                    private_ip_addresses: eni
                        .private_ips
                        .iter()
                        .map(|p| PrivateIpSpec {
                            primary: Some(p.primary),
                            private_ip_address: Some(p.address.to_string()),
                        })
                        .collect(),
                    subnet_id: Some(eni.subnet_id.clone()),
                    interface_type: Some(eni.interface_type.clone()),
                    ..Default::default()
                })
            })
            .collect();
        let m = &instance.metadata_options;
        LaunchTemplateData {
            image_id: Some(instance.image_id.clone()),
            instance_type: Some(instance.instance_type.clone()),
            key_name: instance.key_name.clone(),
            network_interfaces,
            placement: Some(PlacementRequest {
                availability_zone: Some(instance.availability_zone.clone()),
                tenancy: Some("default".into()),
                group_name: None,
            }),
            user_data: instance.user_data.clone(),
            metadata_options: Some(MetadataOptionsRequest {
                http_tokens: Some(m.http_tokens.clone()),
                http_put_response_hop_limit: Some(m.http_put_response_hop_limit),
                http_endpoint: Some(m.http_endpoint.clone()),
                http_protocol_ipv6: Some(m.http_protocol_ipv6.clone()),
                instance_metadata_tags: Some(m.instance_metadata_tags.clone()),
            }),
            monitoring: Some(MonitoringRequest {
                enabled: instance.monitoring,
            }),
            disable_api_termination: Some(instance.disable_api_termination),
            instance_initiated_shutdown_behavior: Some(instance.shutdown_behavior.clone()),
            ..Default::default()
        }
    }
}

/// A launch from a template: the request's own parameters replace the template's; tag
/// specifications merge per resource type and key and network interfaces per device index, the
/// request winning. The merged request then meets every check of RunInstances, so a template's
/// interfaces clash with instance-level subnets and groups exactly as the request's own do.
pub fn merge_into(req: &mut RunInstancesRequest, data: LaunchTemplateData) {
    fn fill<T>(mine: &mut Option<T>, theirs: Option<T>) {
        if mine.is_none() {
            *mine = theirs;
        }
    }
    fill(&mut req.image_id, data.image_id);
    fill(&mut req.instance_type, data.instance_type);
    fill(&mut req.key_name, data.key_name);
    fill(&mut req.placement, data.placement);
    fill(&mut req.user_data, data.user_data);
    fill(&mut req.metadata_options, data.metadata_options);
    fill(&mut req.monitoring, data.monitoring);
    fill(
        &mut req.disable_api_termination,
        data.disable_api_termination,
    );
    fill(
        &mut req.instance_initiated_shutdown_behavior,
        data.instance_initiated_shutdown_behavior,
    );
    if req.security_group_ids.is_empty() {
        req.security_group_ids = data.security_group_ids;
    }
    if req.security_groups.is_empty() {
        req.security_groups = data.security_groups;
    }
    let mut interfaces: Vec<NetworkInterfaceSpec> = data
        .network_interfaces
        .into_iter()
        .filter(|t| {
            !req.network_interfaces
                .iter()
                .any(|r| r.device_index == t.device_index)
        })
        .collect();
    interfaces.append(&mut req.network_interfaces);
    interfaces.sort_by_key(|s| (s.network_card_index, s.device_index));
    req.network_interfaces = interfaces;
    let requested = |kind: &Option<String>, key: &str| {
        req.tag_specifications
            .iter()
            .any(|s| &s.resource_type == kind && s.tags.iter().any(|t| t.key == key))
    };
    let inherited: Vec<TagSpecification> = data
        .tag_specifications
        .into_iter()
        .map(|s| TagSpecification {
            tags: s
                .tags
                .into_iter()
                .filter(|t| !requested(&s.resource_type, &t.key))
                .collect::<Vec<TagWire>>(),
            resource_type: s.resource_type,
        })
        .filter(|s| !s.tags.is_empty())
        .collect();
    req.tag_specifications.extend(inherited);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: serde_json::Value) -> RunInstancesRequest {
        serde_json::from_value(json).unwrap()
    }

    fn data(json: serde_json::Value) -> LaunchTemplateData {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn request_parameters_win_and_lists_merge_by_key() {
        let mut req = request(serde_json::json!({
            "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.small",
            "NetworkInterfaces": [{"DeviceIndex": 1, "SubnetId": "subnet-b"}],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "req"}]}],
        }));
        merge_into(
            &mut req,
            data(serde_json::json!({
                "ImageId": "ami-1", "InstanceType": "t3.micro",
                "NetworkInterfaces": [
                    {"DeviceIndex": 0, "SubnetId": "subnet-a"},
                    {"DeviceIndex": 1, "SubnetId": "subnet-x"},
                ],
                "TagSpecifications": [{"ResourceType": "instance", "Tags": [
                    {"Key": "Name", "Value": "tpl"}, {"Key": "team", "Value": "net"}]}],
            })),
        );
        assert_eq!(req.image_id.as_deref(), Some("ami-1"));
        assert_eq!(req.instance_type.as_deref(), Some("t3.small"));
        let subnets: Vec<_> = req
            .network_interfaces
            .iter()
            .map(|s| s.subnet_id.as_deref().unwrap())
            .collect();
        assert_eq!(subnets, ["subnet-a", "subnet-b"]);
        let tags: Vec<_> = req
            .tag_specifications
            .iter()
            .flat_map(|s| s.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())))
            .collect();
        assert_eq!(tags, [("Name", "req"), ("team", "net")]);
    }

    #[test]
    fn template_interfaces_meet_request_level_subnet() {
        // The merge keeps both, so RunInstances' own clash check refuses the launch.
        let mut req = request(serde_json::json!({
            "MinCount": 1, "MaxCount": 1, "SubnetId": "subnet-a",
        }));
        merge_into(
            &mut req,
            data(serde_json::json!({"NetworkInterfaces": [{"DeviceIndex": 0}]})),
        );
        assert_eq!(req.subnet_id.as_deref(), Some("subnet-a"));
        assert_eq!(req.network_interfaces.len(), 1);
    }

    #[test]
    fn versions_inherit_top_level_members_whole() {
        let source = data(serde_json::json!({
            "ImageId": "ami-1", "SecurityGroupIds": ["sg-1", "sg-2"], "InstanceType": "t3.micro"}));
        let new = data(serde_json::json!({"SecurityGroupIds": ["sg-3"]})).over(source);
        assert_eq!(new.image_id.as_deref(), Some("ami-1"));
        assert_eq!(new.security_group_ids, ["sg-3"]);
    }

    #[test]
    fn syntax_checks_and_unsupported_members() {
        assert!(
            data(serde_json::json!({"UserData": "not base64!"}))
                .check_syntax()
                .is_err()
        );
        assert!(
            data(serde_json::json!({"MetadataOptions": {"HttpPutResponseHopLimit": 65}}))
                .check_syntax()
                .is_err()
        );
        assert!(
            serde_json::from_value::<LaunchTemplateData>(
                serde_json::json!({"BlockDeviceMappings": []})
            )
            .is_err()
        );
    }
}
