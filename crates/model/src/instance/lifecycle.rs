//! The instance state machine of Start/Stop/Reboot/TerminateInstances (§10 of the rules):
//! where each call takes an instance from its current state, or why it may not. Each function
//! answers the state the instance shows after the call; the caller writes only when it differs.

use super::{Instance, InstanceState};
use crate::error::{Ec2Error, ErrorCode};
use std::time::Duration;

/// How long a terminated instance (or a deleted NAT gateway) stays visible before it is
/// forgotten: AWS shows them for about an hour.
pub const GONE_VISIBLE_FOR: Duration = Duration::from_secs(3600);

/// AWS words it "This instance" for a stop, "The instance" for the others.
fn incorrect_state(subject: &str, i: &Instance, verb: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::IncorrectInstanceState,
        format!(
            "{subject} '{}' is not in a state from which it can be {verb}.",
            i.id
        ),
    )
}

/// StopInstances: pending or running → stopping; stopping and stopped stay.
pub fn stop(i: &Instance) -> Result<InstanceState, Ec2Error> {
    match i.state {
        InstanceState::Pending | InstanceState::Running => Ok(InstanceState::Stopping),
        InstanceState::Stopping | InstanceState::Stopped => Ok(i.state),
        _ => Err(incorrect_state("This instance", i, "stopped")),
    }
}

/// StartInstances: stopped → pending; pending and running stay.
pub fn start(i: &Instance) -> Result<InstanceState, Ec2Error> {
    match i.state {
        InstanceState::Stopped => Ok(InstanceState::Pending),
        InstanceState::Pending | InstanceState::Running => Ok(i.state),
        _ => Err(incorrect_state("The instance", i, "started")),
    }
}

/// RebootInstances: only a pending or running instance reboots; its state does not change.
pub fn reboot(i: &Instance) -> Result<(), Ec2Error> {
    match i.state {
        InstanceState::Pending | InstanceState::Running => Ok(()),
        _ => Err(incorrect_state("The instance", i, "rebooted")),
    }
}

/// TerminateInstances (idempotent): refused whole if any listed instance is protected by
/// `disableApiTermination` (and not terminated already); otherwise each goes to shutting-down,
/// those shutting down or terminated stay. One state per instance, in order.
pub fn terminate(instances: &[Instance]) -> Result<Vec<InstanceState>, Ec2Error> {
    if let Some(protected) = instances
        .iter()
        .find(|i| i.disable_api_termination && i.state != InstanceState::Terminated)
    {
        return Err(Ec2Error::new(
            ErrorCode::OperationNotPermitted,
            format!(
                "The instance '{}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.",
                protected.id
            ),
        ));
    }
    Ok(instances
        .iter()
        .map(|i| match i.state {
            InstanceState::ShuttingDown | InstanceState::Terminated => i.state,
            _ => InstanceState::ShuttingDown,
        })
        .collect())
}

/// ModifyInstanceAttribute's type, kernel and user data change only while stopped.
pub fn require_stopped(i: &Instance) -> Result<(), Ec2Error> {
    if i.state != InstanceState::Stopped {
        return Err(Ec2Error::new(
            ErrorCode::IncorrectInstanceState,
            format!("The instance '{}' is not in the 'stopped' state.", i.id),
        ));
    }
    Ok(())
}

/// ModifyInstanceMetadataOptions: anything but a terminated instance.
pub fn require_not_terminated(i: &Instance) -> Result<(), Ec2Error> {
    if i.state == InstanceState::Terminated {
        return Err(Ec2Error::new(
            ErrorCode::IncorrectInstanceState,
            format!("The instance '{}' is terminated.", i.id),
        ));
    }
    Ok(())
}

/// A started instance gets a new public IPv4 when it was launched with one, still has a single
/// interface and none of its addresses holds an Elastic IP.
pub fn gets_public_ip_on_start(i: &Instance) -> bool {
    let has_elastic_ip = i
        .interfaces
        .iter()
        .any(|e| e.private_ips.iter().any(|p| p.association.is_some()));
    i.auto_public_ip && i.interfaces.len() == 1 && !has_elastic_ip
}

/// `StateTransitionReason` of a user's stop or terminate at `now` (an EC2 timestamp):
/// `User initiated (2026-01-02 03:04:05 GMT)`.
pub fn user_initiated(now: &str) -> String {
    format!(
        "User initiated ({} GMT)",
        now.get(..19).unwrap_or(now).replace('T', " ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network_interface::PublicAssociation;
    use crate::network_interface::tests::instance;
    use InstanceState::*;

    fn code_and_message(e: Ec2Error) -> (&'static str, String) {
        (e.code.as_str(), e.message)
    }

    #[test]
    fn stop_start_reboot_from_every_state() {
        let all = [
            Pending,
            Running,
            ShuttingDown,
            Terminated,
            Stopping,
            Stopped,
        ];
        let outcome = |f: fn(&Instance) -> Result<InstanceState, Ec2Error>| {
            all.map(|s| f(&instance(s, &[0])).ok())
        };
        assert_eq!(
            outcome(stop),
            [
                Some(Stopping),
                Some(Stopping),
                None,
                None,
                Some(Stopping),
                Some(Stopped)
            ]
        );
        assert_eq!(
            outcome(start),
            [
                Some(Pending),
                Some(Running),
                None,
                None,
                None,
                Some(Pending)
            ]
        );
        let rebootable = all.map(|s| reboot(&instance(s, &[0])).is_ok());
        assert_eq!(rebootable, [true, true, false, false, false, false]);
    }

    #[test]
    fn refusals_say_which_instance_and_which_call() {
        assert_eq!(
            code_and_message(stop(&instance(Terminated, &[0])).unwrap_err()),
            (
                "IncorrectInstanceState",
                "This instance 'i-1' is not in a state from which it can be stopped.".into()
            )
        );
        assert_eq!(
            code_and_message(start(&instance(Stopping, &[0])).unwrap_err()),
            (
                "IncorrectInstanceState",
                "The instance 'i-1' is not in a state from which it can be started.".into()
            )
        );
        assert_eq!(
            code_and_message(reboot(&instance(Stopped, &[0])).unwrap_err()),
            (
                "IncorrectInstanceState",
                "The instance 'i-1' is not in a state from which it can be rebooted.".into()
            )
        );
    }

    #[test]
    fn terminate_is_idempotent_and_refused_whole_when_protected() {
        let states = [Running, Stopped, ShuttingDown, Terminated];
        let instances: Vec<_> = states.iter().map(|s| instance(*s, &[0])).collect();
        assert_eq!(
            terminate(&instances).unwrap(),
            [ShuttingDown, ShuttingDown, ShuttingDown, Terminated]
        );
        let mut protected = instance(Stopped, &[0]);
        protected.disable_api_termination = true;
        assert_eq!(
            code_and_message(terminate(&[instance(Running, &[0]), protected.clone()]).unwrap_err()),
            (
                "OperationNotPermitted",
                "The instance 'i-1' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.".into()
            )
        );
        protected.state = Terminated;
        assert_eq!(terminate(&[protected]).unwrap(), [Terminated]);
    }

    #[test]
    fn public_ip_on_start_only_for_one_interface_without_elastic_ip() {
        let mut i = instance(Stopped, &[0]);
        assert!(!gets_public_ip_on_start(&i));
        i.auto_public_ip = true;
        assert!(gets_public_ip_on_start(&i));
        i.interfaces[0].private_ips[0].association = Some(PublicAssociation {
            public_ip: "198.51.100.7".parse().unwrap(),
            allocation_id: Some("eipalloc-1".into()),
            association_id: Some("eipassoc-1".into()),
            ip_owner_id: "0".into(),
        });
        assert!(!gets_public_ip_on_start(&i));
        let mut two = instance(Stopped, &[0, 1]);
        two.auto_public_ip = true;
        assert!(!gets_public_ip_on_start(&two));
    }

    #[test]
    fn attribute_changes_need_stopped_metadata_changes_not_terminated() {
        assert!(require_stopped(&instance(Stopped, &[0])).is_ok());
        assert_eq!(
            code_and_message(require_stopped(&instance(Running, &[0])).unwrap_err()),
            (
                "IncorrectInstanceState",
                "The instance 'i-1' is not in the 'stopped' state.".into()
            )
        );
        assert!(require_not_terminated(&instance(ShuttingDown, &[0])).is_ok());
        assert_eq!(
            code_and_message(require_not_terminated(&instance(Terminated, &[0])).unwrap_err()),
            (
                "IncorrectInstanceState",
                "The instance 'i-1' is terminated.".into()
            )
        );
    }

    #[test]
    fn user_initiated_reason_is_gmt_seconds() {
        assert_eq!(
            user_initiated("2026-01-02T03:04:05.678Z"),
            "User initiated (2026-01-02 03:04:05 GMT)"
        );
    }
}
