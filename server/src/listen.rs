//! Listening sockets: one per event loop, all on one address with `SO_REUSEPORT`, so that the
//! kernel spreads new connections over the loops (by a hash of each connection's addresses) and
//! no loop's accepts wait on another's.
//!
//! `SO_REUSEPORT` would also let a second server of the same user join the port silently and take
//! a share of its connections. So before binding, [`Listeners::bind`] binds the address once
//! without it: a port that is already served, by Folio or anything else, fails there with
//! "address in use", as a plain bind would. (Two servers started within the same microseconds can
//! still both pass that check; nothing short of a lock shared by every program could close it.)

use std::io;
use std::net::{SocketAddr, TcpListener};

use socket2::{Domain, Protocol, Socket, Type};

/// Connections a listener queues before they are accepted, as tokio's `TcpListener::bind` does.
const BACKLOG: i32 = 1024;

/// Listening sockets bound to one address, non-blocking, ready to hand to event loops.
#[derive(Debug)]
pub struct Listeners {
    sockets: Vec<TcpListener>,
    addr: SocketAddr,
}

impl Listeners {
    /// Binds `count` sockets (at least one) to `addr`; with port 0 the system picks a free port
    /// and every socket takes that one. Fails with [`io::ErrorKind::AddrInUse`] when another
    /// program already listens there.
    pub fn bind(addr: SocketAddr, count: usize) -> io::Result<Listeners> {
        let mut addr = addr;
        if addr.port() != 0 {
            // Fails when the port is taken, then lets it go at once (see the module's docs).
            drop(socket(addr, false)?);
        }
        let mut sockets = Vec::with_capacity(count.max(1));
        for _ in 0..count.max(1) {
            let s = socket(addr, count > 1)?;
            addr = s.local_addr()?;
            sockets.push(s);
        }
        Ok(Listeners { sockets, addr })
    }

    /// The address bound (with the port the system chose, if 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sockets, to hand one to each loop.
    pub fn into_sockets(self) -> Vec<TcpListener> {
        self.sockets
    }
}

/// A non-blocking socket listening on `addr`, sharing it with the server's other sockets when
/// `share` (`SO_REUSEPORT`). `SO_REUSEADDR` lets a restarted server bind at once although the
/// connections of the one before are still in `TIME_WAIT`.
fn socket(addr: SocketAddr, share: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if share {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 0))
    }

    #[test]
    fn several_sockets_share_the_port_the_system_chose() {
        let l = Listeners::bind(loopback(), 3).unwrap();
        assert_ne!(l.local_addr().port(), 0);
        let port = l.local_addr().port();
        assert!(l.into_sockets().iter().all(|s| s.local_addr().unwrap().port() == port));
    }

    #[test]
    fn a_port_already_served_is_refused_with_address_in_use() {
        for count in [1, 2] {
            let first = Listeners::bind(loopback(), 2).unwrap();
            let err = Listeners::bind(first.local_addr(), count).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{count} sockets");
        }
    }

    #[test]
    fn a_port_let_go_can_be_bound_again() {
        let addr = Listeners::bind(loopback(), 2).unwrap().local_addr();
        assert_eq!(Listeners::bind(addr, 2).unwrap().local_addr(), addr);
    }
}
