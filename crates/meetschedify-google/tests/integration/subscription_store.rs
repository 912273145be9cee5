//! Which subscription store a Google provider keeps: the one given, else its token store's,
//! else one of its own in memory, shared by its clones.

use std::sync::Arc;

use meetschedify_core::webhooks::{MemorySubscriptionStore, SubscriptionStore};
use meetschedify_core::{
    async_trait, DeleteOutcome, MemoryTokenStore, Result, SaveCondition, SaveOutcome, TokenKey,
    TokenRecord, TokenStore,
};

use crate::common;

/// A token store that offers a subscription store, as the shared backends do.
#[derive(Debug)]
struct SharedBackend {
    tokens: MemoryTokenStore,
    subscriptions: Arc<dyn SubscriptionStore>,
}

#[async_trait]
impl TokenStore for SharedBackend {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        self.tokens.get(key).await
    }
    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        self.tokens.save(key, record, condition).await
    }
    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        self.tokens.delete_if(key, condition).await
    }
    fn subscription_store(&self) -> Option<Arc<dyn SubscriptionStore>> {
        Some(Arc::clone(&self.subscriptions))
    }
}

#[tokio::test]
async fn the_subscription_store_is_the_given_one_else_the_token_stores_else_its_own() {
    let emu = common::default_emulator().await;
    let backend_subs: Arc<dyn SubscriptionStore> = Arc::new(MemorySubscriptionStore::new());
    let backend = Arc::new(SharedBackend {
        tokens: MemoryTokenStore::new(),
        subscriptions: Arc::clone(&backend_subs),
    });
    let from_tokens = common::builder(&emu, backend.clone()).build().unwrap();
    assert!(Arc::ptr_eq(from_tokens.subscription_store(), &backend_subs));

    let given: Arc<dyn SubscriptionStore> = Arc::new(MemorySubscriptionStore::new());
    let explicit = common::builder(&emu, backend)
        .with_subscription_store(Arc::clone(&given))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(explicit.subscription_store(), &given));

    // A store with none: one of the provider's own, the same for its clones, and another for
    // another provider.
    let plain = common::provider(&emu, Arc::new(MemoryTokenStore::new()));
    let clone = plain.clone();
    assert!(Arc::ptr_eq(
        plain.subscription_store(),
        clone.subscription_store()
    ));
    let other = common::provider(&emu, Arc::new(MemoryTokenStore::new()));
    assert!(!Arc::ptr_eq(
        plain.subscription_store(),
        other.subscription_store()
    ));
    assert!(!Arc::ptr_eq(plain.subscription_store(), &backend_subs));
}
