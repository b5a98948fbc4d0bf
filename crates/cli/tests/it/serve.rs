//! `northstar token` and `northstar serve` as a user runs them: tokens shown once and kept as
//! hashes, a live server on loopback that reloads a new build and the tokens file, refuses a
//! broken build, passes schemathesis against its OpenAPI document, and whose dashboard a real
//! browser can use without JavaScript.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{demo, installed, northstar, read_json};

/// A running `northstar serve` and its address; killed when dropped.
struct Server {
    child: Child,
    address: String,
    log: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Serves `out` with the tokens of `tokens` on a free loopback port.
    fn start(out: &Path, tokens: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_northstar"))
            .args([
                "serve",
                out.to_str().unwrap(),
                "--tokens",
                tokens.to_str().unwrap(),
            ])
            .args(["--addr", "127.0.0.1:0", "--threads", "2"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let (send, log) = std::sync::mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        let first = log
            .recv_timeout(Duration::from_secs(60))
            .expect("serve says where it listens");
        let address = first
            .rsplit("http://")
            .next()
            .expect("an address")
            .trim()
            .to_owned();
        Self { child, address, log }
    }

    /// Sends a raw HTTP/1.1 request; the status and body.
    fn call(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).expect("connects");
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("sent");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answered");
        let status = answer[9..12].parse().expect("a status");
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// The ICP version `/healthz` names (the body may be chunked: the JSON is found within).
    fn version(&self) -> String {
        let (_, body) = self.call("GET", "/healthz", None, "");
        let at = body.find("\"icp_version\":\"").expect("a version") + 15;
        body[at..].split('"').next().unwrap().to_owned()
    }

    /// Waits until `/healthz` names `version`, or fails after 20 s.
    fn wait_for_version(&self, version: &str) {
        let started = Instant::now();
        while self.version() != version {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the service never served {version}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits for a log line holding `text`.
    fn wait_for_log(&self, text: &str) -> String {
        loop {
            let line = self
                .log
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no log line with {text}"));
            if line.contains(text) {
                return line;
            }
        }
    }
}

/// Makes a token of `scopes` in `file`; what it printed on stdout.
fn new_token(file: &Path, scopes: &[&str]) -> String {
    let mut args = vec!["token", "new", "--tokens", file.to_str().unwrap()];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let made = northstar(&args);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    String::from_utf8(made.stdout).unwrap().trim().to_owned()
}

#[test]
fn tokens_are_shown_once_kept_as_hashes_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let token = new_token(&file, &["read", "score"]);
    assert!(token.starts_with("ns_") && token.len() == 46, "{token}");
    let kept = fs_err::read_to_string(&file).unwrap();
    assert!(!kept.contains(&token[3..]), "the file never holds the token");
    let listed = northstar(&["token", "list", "--tokens", file.to_str().unwrap()]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    let id = read_json(&file)["tokens"][0]["id"].as_str().unwrap().to_owned();
    assert!(listed.contains(&id) && listed.contains("read, score"), "{listed}");
    let revoked = northstar(&["token", "revoke", "--tokens", file.to_str().unwrap(), &id]);
    assert!(revoked.status.success());
    assert_eq!(read_json(&file)["tokens"].as_array().unwrap().len(), 0);
    let again = northstar(&["token", "revoke", "--tokens", file.to_str().unwrap(), &id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("token list"));
}

/// The small demo of seed 42 served with a token of both scopes.
struct Live {
    dir: tempfile::TempDir,
    out: PathBuf,
    tokens: PathBuf,
    token: String,
    server: Server,
}

/// Builds the small demo of seed 42 in a fresh folder and serves it.
fn live() -> Live {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), 42);
    let out = dir.path().join("out");
    let tokens = dir.path().join("tokens.json");
    let token = new_token(&tokens, &["read", "score"]);
    let server = Server::start(&out, &tokens);
    Live {
        dir,
        out,
        tokens,
        token,
        server,
    }
}

#[test]
fn a_live_service_reloads_new_builds_and_tokens_and_keeps_the_old_build_when_a_new_one_is_broken() {
    let Live {
        dir,
        out,
        tokens,
        token,
        server,
    } = live();
    let first = read_json(&out.join("icp.json"))["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(server.version(), first);
    assert_eq!(server.call("GET", "/v1/icp", None, "").0, 401);
    assert_eq!(server.call("GET", "/v1/icp", Some(&token), "").0, 200);
    let (status, body) = server.call("POST", "/v1/score", Some(&token), "{\"employees\": 300}");
    assert_eq!(status, 200, "{body}");

    // A new build (another seed) lands in OUT: it is served.
    demo(dir.path(), 43);
    let second = read_json(&out.join("icp.json"))["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    server.wait_for_version(&second);

    // A broken build keeps the one served, and the log says why.
    let manifest = out.join("manifest.json");
    let text = fs_err::read_to_string(&manifest).unwrap();
    fs_err::write(out.join("icp.json"), "{\"broken\": true}").unwrap();
    fs_err::write(&manifest, text + " ").unwrap();
    let why = server.wait_for_log("kept the previous build");
    assert!(why.contains("icp.json"), "{why}");
    assert_eq!(server.version(), second);

    // A revoked token stops working once the server rereads the file.
    let id = read_json(&tokens)["tokens"][0]["id"].as_str().unwrap().to_owned();
    assert!(
        northstar(&["token", "revoke", "--tokens", tokens.to_str().unwrap(), &id])
            .status
            .success()
    );
    let started = Instant::now();
    while server.call("GET", "/v1/icp", Some(&token), "").0 != 401 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the revoked token still works"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The project's Python environment's schemathesis, when the test setup installed it.
fn schemathesis() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/schemathesis");
    installed(path.is_file(), "schemathesis in .venv").then_some(path)
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_off_the_schema() {
    let Some(schemathesis) = schemathesis() else {
        return;
    };
    let Live {
        dir, token, server, ..
    } = live();
    let ran = Command::new(schemathesis)
        .args(["run", &format!("http://{}/openapi.json", server.address)])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args([
            "--max-examples",
            "40",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
        ])
        .env("SCHEMATHESIS_HOOKS", "northstar_hooks")
        .env(
            "PYTHONPATH",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/schemathesis"),
        )
        .current_dir(dir.path())
        .output()
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(report.contains("passed") && !report.contains("5xx"), "{report}");
}

/// The Node.js driver of the dashboard's browser test, when the test setup installed it.
fn browser() -> Option<PathBuf> {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/dashboard.mjs");
    let present = driver.with_file_name("node_modules/playwright-core").is_dir()
        && Path::new("/usr/bin/chromium").exists()
        && Command::new("node").arg("--version").output().is_ok();
    installed(present, "Chromium, Node.js and tests/browser/node_modules").then_some(driver)
}

#[test]
fn a_browser_without_javascript_signs_in_filters_reads_and_scores() {
    let Some(driver) = browser() else {
        return;
    };
    let Live {
        dir, token, server, ..
    } = live();
    let ran = Command::new("node")
        .arg(&driver)
        .args([
            &format!("http://{}", server.address),
            &token,
            dir.path().to_str().unwrap(),
        ])
        .output()
        .expect("node runs");
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));
    let found: serde_json::Value = serde_json::from_slice(&ran.stdout).expect("JSON");
    let steps = &found["steps"];
    assert_eq!(found["consoleErrors"], serde_json::json!([]), "{found}");
    assert_eq!(
        found["foreignRequests"],
        serde_json::json!([]),
        "nothing fetched elsewhere: {found}"
    );
    assert_eq!(steps["signInForm"], 1);
    assert!(
        steps["home"].as_str().unwrap().starts_with("The ICP, version"),
        "{found}"
    );
    let cookies = steps["cookies"].as_array().unwrap();
    let session = cookies
        .iter()
        .find(|c| c["name"] == "ns_session")
        .expect("a session cookie");
    assert_eq!(
        (session["httpOnly"].as_bool(), session["sameSite"].as_str()),
        (Some(true), Some("Strict"))
    );
    assert!(
        cookies.iter().all(|c| c["holdsToken"] == false),
        "no cookie holds the token"
    );
    assert!(steps["filteredUrl"].as_str().unwrap().contains("tier=1"));
    let tiers = steps["tierCells"].as_array().unwrap();
    assert!(!tiers.is_empty() && tiers.iter().all(|t| t == "1"), "{found}");
    assert!(
        steps["reasons"][0].as_str().unwrap().starts_with("base "),
        "{found}"
    );
    assert_eq!(steps["scrollAt390"], 0, "an account page fits a phone");
    assert!(
        steps["scoreReading"].as_str().unwrap().contains("fit score"),
        "{found}"
    );
    assert_eq!(steps["afterSignOut"], 1, "signed out");
}
