//! Which subscription store each Teams provider keeps: the one given, else its token store's,
//! else one of its own in memory, shared by its clones.

use std::sync::Arc;

use meetschedify_core::webhooks::{MemorySubscriptionStore, SubscriptionStore};
use meetschedify_core::{
    DeleteOutcome, MemoryTokenStore, Result, SaveCondition, SaveOutcome, TokenKey, TokenRecord,
    TokenStore,
};
use meetschedify_emulator::Emulator;

use crate::common::builder;
use crate::user_common::user_builder;

/// A token store that offers a subscription store, as the shared backends do.
#[derive(Debug)]
struct SharedBackend {
    tokens: MemoryTokenStore,
    subscriptions: Arc<dyn SubscriptionStore>,
}

#[async_trait::async_trait]
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

fn backend() -> (Arc<dyn TokenStore>, Arc<dyn SubscriptionStore>) {
    let subscriptions: Arc<dyn SubscriptionStore> = Arc::new(MemorySubscriptionStore::new());
    let tokens = Arc::new(SharedBackend {
        tokens: MemoryTokenStore::new(),
        subscriptions: Arc::clone(&subscriptions),
    });
    (tokens, subscriptions)
}

#[tokio::test]
async fn both_providers_keep_the_given_store_else_the_token_stores_else_their_own() {
    let emu = Emulator::start().await.unwrap();
    let (tokens, offered) = backend();
    let given: Arc<dyn SubscriptionStore> = Arc::new(MemorySubscriptionStore::new());

    let app = builder(&emu)
        .with_token_store(Arc::clone(&tokens))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(app.subscription_store(), &offered));
    let app = builder(&emu)
        .with_token_store(Arc::clone(&tokens))
        .with_subscription_store(Arc::clone(&given))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(app.subscription_store(), &given));
    let own = builder(&emu).build().unwrap();
    assert!(Arc::ptr_eq(
        own.subscription_store(),
        own.clone().subscription_store()
    ));
    assert!(!Arc::ptr_eq(
        own.subscription_store(),
        builder(&emu).build().unwrap().subscription_store()
    ));

    let user = user_builder(&emu, Arc::clone(&tokens)).build().unwrap();
    assert!(Arc::ptr_eq(user.subscription_store(), &offered));
    let user = user_builder(&emu, tokens)
        .with_subscription_store(Arc::clone(&given))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(user.subscription_store(), &given));
    let own = user_builder(&emu, Arc::new(MemoryTokenStore::new()))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(
        own.subscription_store(),
        own.clone().subscription_store()
    ));
    assert!(!Arc::ptr_eq(own.subscription_store(), &offered));
}
