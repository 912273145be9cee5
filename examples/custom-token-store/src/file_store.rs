//! `FileTokenStore`: every token in one JSON file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use meetschedify_core::{
    async_trait, DeleteOutcome, Error, Result, SaveCondition, SaveOutcome, TokenKey, TokenRecord,
    TokenStore,
};

/// Tokens in a JSON file: `{ "<provider>/<tenant>": record }`.
///
/// Every operation reads the file and every save rewrites it (through a temporary file and a
/// rename, so a crash never leaves half a file). All instances on one path in a process share
/// one lock, which makes compare-and-swap atomic among them.
pub(crate) struct FileTokenStore {
    path: PathBuf,
    lock: Arc<Mutex<()>>,
}

impl fmt::Debug for FileTokenStore {
    // No tokens here to hide, but say so by showing only the path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("path", &self.path)
            .finish()
    }
}

/// One lock per file, shared by every instance in the process.
fn lock_for(path: &Path) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    locks.entry(path.to_path_buf()).or_default().clone()
}

type Tokens = BTreeMap<String, Entry>;

/// One key in the file: its record, or the version a deleted record reached. The tombstone keeps
/// versions from repeating after a delete (the `TokenStore` rule that closes the ABA hole).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Entry {
    Record(TokenRecord),
    Deleted { deleted_version: u64 },
}

impl Entry {
    fn record(&self) -> Option<&TokenRecord> {
        match self {
            Entry::Record(r) => Some(r),
            Entry::Deleted { .. } => None,
        }
    }

    fn version(&self) -> u64 {
        match self {
            Entry::Record(r) => r.version,
            Entry::Deleted { deleted_version } => *deleted_version,
        }
    }
}

/// Whether `condition` holds for `entry` (a tombstone counts as absent).
fn allows(entry: Option<&Entry>, condition: SaveCondition) -> bool {
    let live = entry.and_then(Entry::record).map(|r| r.version);
    match condition {
        SaveCondition::Always => true,
        SaveCondition::Absent => live.is_none(),
        SaveCondition::Version(v) => live == Some(v),
        // SaveCondition may grow; refuse what this store does not understand.
        _ => false,
    }
}

impl FileTokenStore {
    /// A store on `path` (created on the first save).
    pub(crate) fn open(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let lock = lock_for(&path);
        Self { path, lock }
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the file's contents under the lock; `f` returns whether to write them back.
    ///
    /// The file is small and local, so blocking I/O under a std mutex is fine here; a store
    /// over a network would use async I/O and never block the runtime.
    fn with_tokens<T>(&self, f: impl FnOnce(&mut Tokens) -> (bool, T)) -> Result<T> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut tokens: Tokens = match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::token_store("the token file is not valid json", e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Tokens::new(),
            Err(e) => return Err(Error::token_store("cannot read the token file", e)),
        };
        let (write, out) = f(&mut tokens);
        if write {
            let tmp = self.path.with_extension("tmp");
            let json = serde_json::to_vec_pretty(&tokens)
                .map_err(|e| Error::token_store("cannot encode the tokens", e))?;
            std::fs::write(&tmp, json)
                .and_then(|()| std::fs::rename(&tmp, &self.path))
                .map_err(|e| Error::token_store("cannot write the token file", e))?;
        }
        Ok(out)
    }
}

/// The file's key for a token key. Provider ids hold no `/`, so the split is unambiguous
/// whatever the tenant id contains.
fn file_key(key: &TokenKey) -> String {
    format!("{}/{}", key.provider_id, key.tenant_id)
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        let key = file_key(key);
        self.with_tokens(|tokens| (false, tokens.get(&key).and_then(Entry::record).cloned()))
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        let key = file_key(key);
        self.with_tokens(|tokens| {
            let entry = tokens.get(&key);
            if !allows(entry, condition) {
                return (false, SaveOutcome::Conflict);
            }
            // The store assigns versions (continuing a tombstone's); the record's own is ignored.
            let version = entry.map_or(0, Entry::version) + 1;
            tokens.insert(key, Entry::Record(record.clone().with_version(version)));
            (true, SaveOutcome::Saved { version })
        })
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        let key = file_key(key);
        self.with_tokens(|tokens| {
            let entry = tokens.get(&key);
            if !allows(entry, condition) {
                return (false, DeleteOutcome::Conflict);
            }
            match entry {
                Some(Entry::Record(r)) => {
                    let deleted_version = r.version + 1;
                    tokens.insert(key, Entry::Deleted { deleted_version });
                    (true, DeleteOutcome::Deleted)
                }
                _ => (false, DeleteOutcome::Deleted),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "meetschedify-file-store-{name}-{}.json",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        path
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn passes_the_token_store_conformance_suite() {
        let path = scratch("conformance");
        let report = meetschedify_testkit::run_all(|| {
            let path = path.clone();
            async move { Arc::new(FileTokenStore::open(path)) as Arc<dyn TokenStore> }
        })
        .await;
        println!("{report}");
        report.assert_ok();
        // No leases: those checks are skipped, not passed.
        assert_eq!(report.skipped.len(), 2, "{report}");
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn a_corrupt_file_is_a_token_store_error() {
        let path = scratch("corrupt");
        std::fs::write(&path, "not json").unwrap();
        let store = FileTokenStore::open(&path);
        let err = store
            .get(&TokenKey::new("t", "google-meet"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), meetschedify_core::ErrorCode::TokenStoreError);
        let _ = std::fs::remove_file(path);
    }
}
