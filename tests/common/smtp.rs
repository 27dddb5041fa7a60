//! A real SMTP server for tests (mailin-embedded on 127.0.0.1) that collects what it receives,
//! can refuse a recipient with a 550 or everyone with a 451 (closed), and a polling helper.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{response, Handler, Response, Server};
use mailparse::MailHeaderMap;

/// How long anything may take before a test gives up: generous, never a timing assertion.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// One message as the SMTP server received it.
#[derive(Clone, Debug, Default)]
pub struct Received {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub data: Vec<u8>,
}

/// The SMTP server's handler: collects messages, refuses one recipient with a 550 if told, and
/// answers 451 (try again later) to every recipient while it is closed.
#[derive(Clone)]
pub struct Collector {
    got: Arc<Mutex<Vec<Received>>>,
    reject: Option<String>,
    open: Arc<AtomicBool>,
    current: Received,
}

impl Handler for Collector {
    fn rcpt(&mut self, to: &str) -> Response {
        if !self.open.load(Ordering::SeqCst) {
            return Response::custom(451, "4.3.0 Busy, try again later".into());
        }
        match &self.reject {
            Some(r) if to.contains(r.as_str()) => Response::custom(550, "5.1.1 No such user here".into()),
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Received {
            envelope_from: from.to_string(),
            envelope_to: to.to_vec(),
            data: Vec::new(),
        };
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.got.lock().unwrap().push(std::mem::take(&mut self.current));
        response::OK
    }
}

/// A running SMTP server on 127.0.0.1 (it lives until the test process ends).
pub struct Smtp {
    pub port: u16,
    pub got: Arc<Mutex<Vec<Received>>>,
    pub open: Arc<AtomicBool>,
}

impl Smtp {
    pub fn start(reject: Option<&str>) -> Smtp {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap(), reject)
    }

    /// A server that answers 451 to every recipient until [`Smtp::open`] is called.
    pub fn start_closed() -> Smtp {
        let smtp = Self::start(None);
        smtp.open.store(false, Ordering::SeqCst);
        smtp
    }

    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }

    pub fn start_on(listener: TcpListener, reject: Option<&str>) -> Smtp {
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::new(AtomicBool::new(true));
        let handler = Collector {
            got: got.clone(),
            reject: reject.map(str::to_string),
            open: open.clone(),
            current: Received::default(),
        };
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            server.with_name("smtp.test").with_tcp_listener(listener);
            let _ = server.serve();
        });
        Smtp { port, got, open }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The received messages whose Message-ID is `id`.
    pub fn with_id(&self, id: &str) -> Vec<Received> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|m| message_id(m).as_deref() == Some(id))
            .cloned()
            .collect()
    }
}

pub fn message_id(m: &Received) -> Option<String> {
    let parsed = mailparse::parse_mail(&m.data).ok()?;
    parsed
        .headers
        .get_first_value("Message-ID")
        .map(|v| v.trim().to_string())
}

/// Polls `f` until it gives a value; panics after [`DEADLINE`].
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
