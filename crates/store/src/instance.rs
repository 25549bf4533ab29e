//! Instances. Transitional states (pending, stopping, shutting-down) settle at a stored time,
//! applied at the start of every transaction, so clients that poll see EC2's sequence.

use crate::Tx;
use crate::error::{Db, StoreError};
use crate::network_interface::EniScope;
use crate::sql::Row;
use crate::volume::VolumeScope;
use localvpc_model::instance::{Instance, InstanceState, MetadataOptions};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::HashMap;

const COLUMNS: &str = "id, reservation_id, image_id, instance_type, key_name, state, state_transition_reason, launch_time, \
    availability_zone, client_token, ami_launch_index, http_tokens, http_endpoint, http_put_hop_limit, http_protocol_ipv6, \
    instance_metadata_tags, user_data, shutdown_behavior, disable_api_termination, monitoring, public_ip, auto_public_ip, cpu_credits";

fn from_row(r: &Row, account: &str) -> Result<Instance, StoreError> {
    Ok(Instance {
        id: r.get(0)?,
        reservation_id: r.get(1)?,
        owner_id: account.to_owned(),
        image_id: r.get(2)?,
        instance_type: r.get(3)?,
        key_name: r.get(4)?,
        state: r.decoded(5, InstanceState::from_name)?,
        state_transition_reason: r.get(6)?,
        launch_time: r.get(7)?,
        availability_zone: r.get(8)?,
        client_token: r.get(9)?,
        ami_launch_index: r.get(10)?,
        metadata_options: MetadataOptions {
            http_tokens: r.get(11)?,
            http_endpoint: r.get(12)?,
            http_put_response_hop_limit: r.get(13)?,
            http_protocol_ipv6: r.get(14)?,
            instance_metadata_tags: r.get(15)?,
        },
        user_data: r.get(16)?,
        shutdown_behavior: r.get(17)?,
        disable_api_termination: r.get(18)?,
        monitoring: r.get(19)?,
        public_ip: r.parsed_opt(20)?,
        auto_public_ip: r.get(21)?,
        cpu_credits: r.get(22)?,
        tags: Vec::new(),
        interfaces: Vec::new(),
        volumes: Vec::new(),
    })
}

impl Tx<'_> {
    /// Moves every transitional state whose time has come to where it settles, and forgets
    /// instances terminated more than an hour before `now` (RFC 3339 UTC timestamps sort as text).
    pub fn settle_instances(
        &self,
        now: &str,
        forget_terminated_before: &str,
    ) -> Result<(), Ec2Error> {
        for state in [
            InstanceState::Pending,
            InstanceState::Stopping,
            InstanceState::ShuttingDown,
        ] {
            let settled = state.settles_to().expect("transitional");
            self.exec(
                "UPDATE instances SET state = ?1, settles_at = NULL WHERE pid = ?2 AND state = ?3 AND settles_at <= ?4",
                &[&settled.name(), &self.pid, &state.name(), &now],
            )?;
        }
        let gone: Vec<String> = self.rows(
            "SELECT id FROM instances WHERE pid = ?1 AND state = 'terminated' AND terminated_at < ?2",
            &[&self.pid, &forget_terminated_before],
            |r| r.get(0),
        )?;
        for id in gone {
            self.exec("DELETE FROM instances WHERE id = ?1", &[&id])?;
            self.delete_tags_of(&id)?;
        }
        Ok(())
    }

    /// Whether [`Tx::settle_instances`] would change anything as of `now`: a read-only
    /// transaction that finds work for it must not answer, the caller writes instead.
    pub fn instances_to_settle(
        &self,
        now: &str,
        forget_terminated_before: &str,
    ) -> Result<bool, Ec2Error> {
        let due: Option<bool> = self.row(
            "SELECT EXISTS (SELECT 1 FROM instances WHERE pid = ?1 AND settles_at <= ?2)
             OR EXISTS (SELECT 1 FROM instances WHERE pid = ?1 AND state = 'terminated' AND terminated_at < ?3)",
            &[&self.pid, &now, &forget_terminated_before],
            |r| r.get(0),
        )?;
        due.ok_or_else(|| StoreError::NotFound("EXISTS returned no row".into()))
            .db()
    }

    /// Every instance of the partition (sorted by ID) with its attached interfaces and tags.
    pub fn instances(&self, account: &str) -> Result<Vec<Instance>, Ec2Error> {
        let mut instances = self.rows(
            &format!("SELECT {COLUMNS} FROM instances WHERE pid = ?1 ORDER BY id"),
            &[&self.pid],
            |r| from_row(r, account),
        )?;
        let mut by_instance: HashMap<String, Vec<_>> = HashMap::new();
        for eni in self.network_interfaces(account, EniScope::All)? {
            if let Some(a) = &eni.attachment {
                by_instance
                    .entry(a.instance_id.clone())
                    .or_default()
                    .push(eni);
            }
        }
        let mut volumes: HashMap<String, Vec<_>> = HashMap::new();
        for v in self.volumes(VolumeScope::All)? {
            if let Some(a) = &v.attachment {
                volumes.entry(a.instance_id.clone()).or_default().push(v);
            }
        }
        let mut tags = self.tags_by_resource(IdKind::Instance)?;
        for i in &mut instances {
            i.interfaces = by_instance.remove(&i.id).unwrap_or_default();
            i.volumes = volumes.remove(&i.id).unwrap_or_default();
            sort_interfaces(&mut i.interfaces);
            i.tags = tags.remove(&i.id).unwrap_or_default();
        }
        Ok(instances)
    }

    /// One instance, or `InvalidInstanceID.NotFound`.
    pub fn instance(&self, account: &str, id: &str) -> Result<Instance, Ec2Error> {
        let mut instance = self
            .row(
                &format!("SELECT {COLUMNS} FROM instances WHERE pid = ?1 AND id = ?2"),
                &[&self.pid, &id],
                |r| from_row(r, account),
            )?
            .ok_or_else(|| IdKind::Instance.not_found(id))?;
        instance.interfaces = self.network_interfaces(account, EniScope::AttachedTo(id))?;
        sort_interfaces(&mut instance.interfaces);
        instance.volumes = self.volumes(VolumeScope::AttachedTo(id))?;
        instance.tags = self.tags_of(id)?;
        Ok(instance)
    }

    /// Inserts an instance (its interfaces are inserted and attached separately).
    pub fn insert_instance(&self, i: &Instance, settles_at: Option<&str>) -> Result<(), Ec2Error> {
        let m = &i.metadata_options;
        self.exec(
            &format!(
                "INSERT INTO instances (pid, settles_at, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)"
            ),
            &[
                &self.pid,
                &settles_at,
                &i.id,
                &i.reservation_id,
                &i.image_id,
                &i.instance_type,
                &i.key_name,
                &i.state.name(),
                &i.state_transition_reason,
                &i.launch_time,
                &i.availability_zone,
                &i.client_token,
                &i.ami_launch_index,
                &m.http_tokens,
                &m.http_endpoint,
                &m.http_put_response_hop_limit,
                &m.http_protocol_ipv6,
                &m.instance_metadata_tags,
                &i.user_data,
                &i.shutdown_behavior,
                &i.disable_api_termination,
                &i.monitoring,
                &i.public_ip.map(|p| p.to_string()),
                &i.auto_public_ip,
                &i.cpu_credits,
            ],
        )?;
        self.set_tags(&i.id, &i.tags)
    }

    /// Moves an instance to `state`, settling at `settles_at` if it is transitional.
    pub fn set_instance_state(
        &self,
        id: &str,
        state: InstanceState,
        reason: &str,
        settles_at: Option<&str>,
        now: &str,
    ) -> Result<(), Ec2Error> {
        let terminated_at = matches!(
            state,
            InstanceState::ShuttingDown | InstanceState::Terminated
        )
        .then_some(now);
        self.exec(
            "UPDATE instances SET state = ?2, state_transition_reason = ?3, settles_at = ?4, terminated_at = COALESCE(terminated_at, ?5) WHERE id = ?1",
            &[&id, &state.name(), &reason, &settles_at, &terminated_at],
        )?;
        Ok(())
    }

    /// Writes the attributes ModifyInstanceAttribute / ModifyInstanceMetadataOptions change.
    pub fn update_instance(&self, i: &Instance) -> Result<(), Ec2Error> {
        let m = &i.metadata_options;
        self.exec(
            "UPDATE instances SET instance_type = ?2, http_tokens = ?3, http_endpoint = ?4, http_put_hop_limit = ?5,
             http_protocol_ipv6 = ?6, instance_metadata_tags = ?7, user_data = ?8, shutdown_behavior = ?9,
             disable_api_termination = ?10, public_ip = ?11, cpu_credits = ?12 WHERE id = ?1",
            &[
                &i.id,
                &i.instance_type,
                &m.http_tokens,
                &m.http_endpoint,
                &m.http_put_response_hop_limit,
                &m.http_protocol_ipv6,
                &m.instance_metadata_tags,
                &i.user_data,
                &i.shutdown_behavior,
                &i.disable_api_termination,
                &i.public_ip.map(|p| p.to_string()),
                &i.cpu_credits,
            ],
        )?;
        Ok(())
    }
}

/// Card 0 device 0 first, then by card and device index.
fn sort_interfaces(interfaces: &mut [localvpc_model::network_interface::NetworkInterface]) {
    interfaces.sort_by_key(|e| {
        e.attachment
            .as_ref()
            .map(|a| (a.network_card_index, a.device_index))
    });
}
