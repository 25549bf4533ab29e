//! Instances: the state machine of EC2 (§10 of the rules) and the fields the API shows.

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::Tagged;
use crate::image::catalogue_image;
use crate::network_interface::NetworkInterface;
use crate::tags::Tag;
use crate::volume::{ImageRoot, Volume};
use std::net::Ipv4Addr;

pub mod credits;
mod filters;
pub mod launch;
pub mod lifecycle;
pub mod request;
pub use filters::{FILTERS, STATUS_FILTERS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceState {
    Pending,
    Running,
    ShuttingDown,
    Terminated,
    Stopping,
    Stopped,
}

impl InstanceState {
    pub fn code(self) -> i64 {
        match self {
            Self::Pending => 0,
            Self::Running => 16,
            Self::ShuttingDown => 32,
            Self::Terminated => 48,
            Self::Stopping => 64,
            Self::Stopped => 80,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::ShuttingDown => "shutting-down",
            Self::Terminated => "terminated",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Running,
            Self::ShuttingDown,
            Self::Terminated,
            Self::Stopping,
            Self::Stopped,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }

    /// Where a transitional state settles once its transition time has passed.
    pub fn settles_to(self) -> Option<Self> {
        match self {
            Self::Pending => Some(Self::Running),
            Self::Stopping => Some(Self::Stopped),
            Self::ShuttingDown => Some(Self::Terminated),
            _ => None,
        }
    }

    /// Interfaces may be attached and detached while running (hot) or stopped (warm).
    pub fn allows_attachment_changes(self) -> bool {
        matches!(self, Self::Running | Self::Stopped)
    }
}

/// IMDS settings of an instance (`MetadataOptions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataOptions {
    /// `optional` (IMDSv1 and v2) or `required` (v2 only).
    pub http_tokens: String,
    pub http_endpoint: String,
    pub http_put_response_hop_limit: i64,
    pub http_protocol_ipv6: String,
    pub instance_metadata_tags: String,
}

impl Default for MetadataOptions {
    fn default() -> Self {
        Self {
            http_tokens: "optional".into(),
            http_endpoint: "enabled".into(),
            http_put_response_hop_limit: 1,
            http_protocol_ipv6: "disabled".into(),
            instance_metadata_tags: "disabled".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: String,
    pub reservation_id: String,
    pub owner_id: String,
    pub image_id: String,
    pub instance_type: String,
    pub key_name: Option<String>,
    pub state: InstanceState,
    pub state_transition_reason: String,
    pub launch_time: String,
    pub availability_zone: String,
    pub client_token: Option<String>,
    pub ami_launch_index: i64,
    pub metadata_options: MetadataOptions,
    pub user_data: Option<String>,
    pub shutdown_behavior: String,
    pub disable_api_termination: bool,
    pub monitoring: bool,
    /// `standard` or `unlimited` for burstable types (see `credits`), `None` for others.
    pub cpu_credits: Option<String>,
    /// Auto-assigned public IPv4 of device 0, if any.
    pub public_ip: Option<Ipv4Addr>,
    /// Launched with a public IPv4: it gets a new one each time it starts (AWS's conditions).
    pub auto_public_ip: bool,
    pub tags: Vec<Tag>,
    /// Attached interfaces, ordered by network card then device index (device 0 first).
    pub interfaces: Vec<NetworkInterface>,
    /// Attached EBS volumes (the root volume), by device name.
    pub volumes: Vec<Volume>,
}

impl Instance {
    /// The device its image boots from (`RootDeviceName`).
    pub fn root_device_name(&self) -> &'static str {
        ImageRoot::of(catalogue_image(&self.image_id)).device
    }

    /// The interface at device index 0 of card 0, which the instance-level fields describe.
    pub fn primary_interface(&self) -> Option<&NetworkInterface> {
        self.interfaces.iter().find(|i| {
            i.attachment
                .as_ref()
                .is_some_and(|a| a.device_index == 0 && a.network_card_index == 0)
        })
    }

    /// `IncorrectInstanceState` unless the instance may gain or lose interfaces now.
    pub fn check_attachment_changes_allowed(&self) -> Result<(), Ec2Error> {
        if self.state.allows_attachment_changes() {
            Ok(())
        } else {
            Err(Ec2Error::new(
                ErrorCode::IncorrectInstanceState,
                format!(
                    "The instance '{}' is not in a valid state for this operation. Its state is '{}'.",
                    self.id,
                    self.state.name()
                ),
            ))
        }
    }
}

impl Tagged for Instance {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_transitions() {
        assert_eq!(InstanceState::Running.code(), 16);
        assert_eq!(InstanceState::Stopped.code(), 80);
        assert_eq!(
            InstanceState::from_name("shutting-down"),
            Some(InstanceState::ShuttingDown)
        );
        assert_eq!(
            InstanceState::Pending.settles_to(),
            Some(InstanceState::Running)
        );
        assert_eq!(InstanceState::Running.settles_to(), None);
        assert!(InstanceState::Stopped.allows_attachment_changes());
        assert!(!InstanceState::Pending.allows_attachment_changes());
        assert!(!InstanceState::Terminated.allows_attachment_changes());
    }
}
