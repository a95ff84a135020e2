//! Child processes (Verilator, the C++ compiler and everything *they* start: `cc1plus`, `as`,
//! `collect2`, `ld`, `verilator_bin`) that die with this process, however it dies.
//!
//! A [`ProcessGroup`] starts a tiny guardian, `/bin/sh -c 'read _; kill -9 0'`, as the leader of
//! a new process group. Its standard input is the read end of a pipe whose write end only this
//! process holds (Rust opens every descriptor close-on-exec, so no other child inherits it).
//! Every tool of a build is started in the guardian's group ([`ProcessGroup::adopt`]), so its own
//! children are in the group too. When the write end closes — the [`ProcessGroup`] is dropped at
//! the end of the build, or this process dies, even by `SIGKILL` — the guardian's `read` sees
//! end-of-file and `kill -9 0` kills the whole group, the guardian included.
//!
//! `PR_SET_PDEATHSIG` alone would not do: it reaches only the direct child (the `g++` driver),
//! not `cc1plus` or `as` below it, and it fires when the spawning *thread* ends.

use std::process::{Child, ChildStdin, Command, Stdio};

use crate::error::RtlSimError;

/// A process group whose members are killed when this value is dropped or this process dies.
pub(crate) struct ProcessGroup {
    guardian: Child,
    pgid: i32,
    pipe: Option<ChildStdin>,
}

impl ProcessGroup {
    /// Starts the guardian (a new process group led by it).
    pub(crate) fn new() -> Result<ProcessGroup, RtlSimError> {
        use std::os::unix::process::CommandExt;
        let sh = std::path::Path::new("/bin/sh");
        let mut guardian = Command::new(sh)
            .args(["-c", "read _sf_eof; kill -9 0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| RtlSimError::io(sh, e))?;
        let pipe = guardian.stdin.take();
        let pgid = guardian.id() as i32;
        Ok(ProcessGroup {
            guardian,
            pgid,
            pipe,
        })
    }

    /// Makes `cmd` start inside the group.
    pub(crate) fn adopt<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        use std::os::unix::process::CommandExt;
        cmd.process_group(self.pgid)
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // EOF for the guardian: it kills whatever is left in the group, then itself.
        drop(self.pipe.take());
        let _ = self.guardian.wait();
    }
}
