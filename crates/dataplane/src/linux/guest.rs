//! The sockets of the services a guest reaches in its VPC's router namespace: the IMDS
//! listener on 169.254.169.254:80 and the DHCPv4 server on port 67. A socket stays in the
//! namespace it was created in, so each is created on a thread that joined the router's
//! namespace; while open it keeps that namespace alive, so both close when the router goes.

use super::{NETNS_DIR, in_netns};
use crate::dhcp::{self, Destination};
use crate::model::{DhcpLease, IMDS_ADDRESS, IMDS_ADDRESS6};
use anyhow::Context;
use nix::sched::{CloneFlags, setns};
use nix::sys::socket::{
    ControlMessage, ControlMessageOwned, MsgFlags, Shutdown, SockaddrIn, recvmsg, sendmsg,
    setsockopt, shutdown, sockopt,
};
use std::io::{IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A listening socket on 169.254.169.254:80 inside router namespace `ns` (non-blocking, ready
/// for an async runtime).
pub fn listen_imds(ns: &str) -> anyhow::Result<TcpListener> {
    in_netns(ns, || {
        let listener = TcpListener::bind(SocketAddrV4::new(IMDS_ADDRESS, 80))
            .with_context(|| format!("cannot listen on {IMDS_ADDRESS}:80 in {ns}"))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    })
}

/// A listening socket on [fd00:ec2::254]:80 inside router namespace `ns`, beside
/// [`listen_imds`]'s.
pub fn listen_imds6(ns: &str) -> anyhow::Result<TcpListener> {
    in_netns(ns, || {
        let address = std::net::SocketAddrV6::new(IMDS_ADDRESS6, 80, 0, 0);
        let listener = TcpListener::bind(address)
            .with_context(|| format!("cannot listen on {address} in {ns}"))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    })
}

/// The port's ENI — its MAC and lease — by the name of the port a message came in on.
pub type LeaseLookup = Arc<dyn Fn(&str) -> Option<(String, DhcpLease)> + Send + Sync>;

/// The DHCPv4 server of one router namespace: a thread in that namespace answering on every
/// port; stopped (and its socket closed) when dropped.
pub struct DhcpServer {
    stop: Arc<AtomicBool>,
    /// A second handle on the thread's socket, to wake it.
    socket: UdpSocket,
    thread: Option<JoinHandle<()>>,
}

/// How long a blocked receive waits before checking whether to stop, should the wake-up be lost.
const POLL: Duration = Duration::from_secs(1);

impl DhcpServer {
    pub fn start(ns: &str, lookup: LeaseLookup) -> anyhow::Result<Self> {
        let netns = std::fs::File::open(format!("{NETNS_DIR}/{ns}"))
            .with_context(|| format!("no network namespace {ns}"))?;
        let (ready, bound) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("dhcp {ns}"))
            .spawn(move || {
                let bound = setns(&netns, CloneFlags::CLONE_NEWNET)
                    .context("cannot enter the namespace")
                    .and_then(|()| bind_dhcp())
                    .and_then(|socket| Ok((socket.try_clone()?, socket)));
                drop(netns);
                match bound {
                    Ok((handle, socket)) => {
                        let _ = ready.send(Ok(handle));
                        serve_dhcp(&socket, &stopped, &*lookup);
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                    }
                }
            })?;
        let socket = bound
            .recv()
            .context("the DHCP thread ended")?
            .with_context(|| format!("DHCP server in {ns}"))?;
        Ok(DhcpServer {
            stop,
            socket,
            thread: Some(thread),
        })
    }
}

impl Drop for DhcpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the blocked receive (Linux does so even on an unconnected UDP socket, and
        // reports ENOTCONN).
        let _ = shutdown(self.socket.as_raw_fd(), Shutdown::Read);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// 0.0.0.0:67 in the calling thread's namespace, told each datagram's ingress port.
fn bind_dhcp() -> anyhow::Result<UdpSocket> {
    let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 67))
        .context("cannot bind UDP port 67")?;
    socket.set_broadcast(true)?;
    socket.set_read_timeout(Some(POLL))?;
    setsockopt(&socket, sockopt::Ipv4PacketInfo, &true)?;
    Ok(socket)
}

fn serve_dhcp(
    socket: &UdpSocket,
    stop: &AtomicBool,
    lookup: &dyn Fn(&str) -> Option<(String, DhcpLease)>,
) {
    let mut buffer = [0u8; 1500];
    while !stop.load(Ordering::Relaxed) {
        let Some((len, port)) = receive(socket, &mut buffer) else {
            continue;
        };
        let Ok(name) = nix::net::if_::if_indextoname(port as u32) else {
            continue;
        };
        let Some((mac, lease)) = lookup(&name.to_string_lossy()) else {
            continue;
        };
        let Some(reply) = dhcp::answer(&buffer[..len], &mac, &lease) else {
            continue;
        };
        let to = match reply.to {
            Destination::Broadcast => Ipv4Addr::BROADCAST,
            Destination::Unicast(ip) => ip,
        };
        // Out of the port it came in on, from the subnet router's address.
        let info = nix::libc::in_pktinfo {
            ipi_ifindex: port,
            ipi_spec_dst: nix::libc::in_addr {
                s_addr: u32::from(lease.lease.router).to_be(),
            },
            ipi_addr: nix::libc::in_addr { s_addr: 0 },
        };
        let bytes = reply.encode();
        let sent = sendmsg(
            socket.as_raw_fd(),
            &[IoSlice::new(&bytes)],
            &[ControlMessage::Ipv4PacketInfo(&info)],
            MsgFlags::empty(),
            Some(&SockaddrIn::from(SocketAddrV4::new(to, 68))),
        );
        if let Err(error) = sent {
            tracing::warn!(%error, port = %name.to_string_lossy(), "cannot send a DHCP answer");
        }
    }
}

/// One datagram and the index of the interface it arrived on; `None` on a timeout or a
/// wake-up.
fn receive(socket: &UdpSocket, buffer: &mut [u8]) -> Option<(usize, i32)> {
    let mut control = nix::cmsg_space!(nix::libc::in_pktinfo);
    let mut iov = [IoSliceMut::new(buffer)];
    let message = recvmsg::<SockaddrIn>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut control),
        MsgFlags::empty(),
    )
    .ok()?;
    let port = message.cmsgs().ok()?.find_map(|c| match c {
        ControlMessageOwned::Ipv4PacketInfo(info) => Some(info.ipi_ifindex),
        _ => None,
    })?;
    (message.bytes > 0).then_some((message.bytes, port))
}
