//! The VPC resolver's socket: UDP port 53 in a router namespace, on a thread that joined it (a
//! socket stays in the namespace it was made in). It hears every address of the router and
//! leaves to the answer function which ones the resolver serves (the VPC's base + 2 and
//! 169.254.169.253, which the router holds on its loopback); each answer leaves from the
//! address the query was sent to. Stopped, and its socket closed, when dropped.

use super::NETNS_DIR;
use anyhow::Context;
use nix::sched::{CloneFlags, setns};
use nix::sys::socket::{
    ControlMessage, ControlMessageOwned, MsgFlags, Shutdown, SockaddrIn, recvmsg, sendmsg,
    setsockopt, shutdown, sockopt,
};
use std::io::{IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The answer to a query datagram sent to an address, or `None` to stay silent.
pub type Answer = dyn Fn(&[u8], Ipv4Addr) -> Option<Vec<u8>> + Send + Sync;
pub type DnsAnswer = Arc<Answer>;

pub struct DnsServer {
    stop: Arc<AtomicBool>,
    /// A second handle on the thread's socket, to wake it.
    socket: UdpSocket,
    thread: Option<JoinHandle<()>>,
}

/// How long a blocked receive waits before checking whether to stop.
const POLL: Duration = Duration::from_secs(1);

impl DnsServer {
    pub fn start(ns: &str, answer: DnsAnswer) -> anyhow::Result<Self> {
        let netns = std::fs::File::open(format!("{NETNS_DIR}/{ns}"))
            .with_context(|| format!("no network namespace {ns}"))?;
        let (ready, bound) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("dns {ns}"))
            .spawn(move || {
                let bound = setns(&netns, CloneFlags::CLONE_NEWNET)
                    .context("cannot enter the namespace")
                    .and_then(|()| bind())
                    .and_then(|socket| Ok((socket.try_clone()?, socket)));
                drop(netns);
                match bound {
                    Ok((handle, socket)) => {
                        let _ = ready.send(Ok(handle));
                        serve(&socket, &stopped, &*answer);
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                    }
                }
            })?;
        let socket = bound
            .recv()
            .context("the DNS thread ended")?
            .with_context(|| format!("DNS resolver in {ns}"))?;
        Ok(DnsServer {
            stop,
            socket,
            thread: Some(thread),
        })
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = shutdown(self.socket.as_raw_fd(), Shutdown::Read);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn bind() -> anyhow::Result<UdpSocket> {
    let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 53))
        .context("cannot bind UDP port 53")?;
    socket.set_read_timeout(Some(POLL))?;
    setsockopt(&socket, sockopt::Ipv4PacketInfo, &true)?;
    Ok(socket)
}

fn serve(socket: &UdpSocket, stop: &AtomicBool, answer: &Answer) {
    let mut buffer = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        let Some((len, from, to)) = receive(socket, &mut buffer) else {
            continue;
        };
        let Some(reply) = answer(&buffer[..len], to) else {
            continue;
        };
        let info = nix::libc::in_pktinfo {
            ipi_ifindex: 0,
            ipi_spec_dst: nix::libc::in_addr {
                s_addr: u32::from(to).to_be(),
            },
            ipi_addr: nix::libc::in_addr { s_addr: 0 },
        };
        let sent = sendmsg(
            socket.as_raw_fd(),
            &[IoSlice::new(&reply)],
            &[ControlMessage::Ipv4PacketInfo(&info)],
            MsgFlags::empty(),
            Some(&SockaddrIn::from(from)),
        );
        if let Err(error) = sent {
            tracing::warn!(%error, %from, "cannot send a DNS answer");
        }
    }
}

/// One datagram, its sender and the address it was sent to; `None` on a timeout or a wake-up.
fn receive(socket: &UdpSocket, buffer: &mut [u8]) -> Option<(usize, SocketAddrV4, Ipv4Addr)> {
    let mut control = nix::cmsg_space!(nix::libc::in_pktinfo);
    let mut iov = [IoSliceMut::new(buffer)];
    let message = recvmsg::<SockaddrIn>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut control),
        MsgFlags::empty(),
    )
    .ok()?;
    let to = message.cmsgs().ok()?.find_map(|c| match c {
        ControlMessageOwned::Ipv4PacketInfo(info) => {
            Some(Ipv4Addr::from(u32::from_be(info.ipi_addr.s_addr)))
        }
        _ => None,
    })?;
    let from = SocketAddrV4::from(message.address?);
    (message.bytes > 0).then_some((message.bytes, from, to))
}
