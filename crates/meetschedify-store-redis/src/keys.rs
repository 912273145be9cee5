//! Redis key names: `{prefix}token:{provider}:{tenant}`, `{prefix}lease:{provider}:{tenant}`,
//! `{prefix}idempotency:{provider}:{tenant}:{key}`, per host pool
//! `{prefix}hosts:{<pool>}:{part}` and, per provider's push subscriptions,
//! `{prefix}subscriptions:{<provider>}:{part}`.

use meetschedify_core::{Error, IdempotencyKey, Result, TokenKey};

/// The default prefix of every key this store writes.
pub const DEFAULT_KEY_PREFIX: &str = "meetschedify:";

/// Builds key names under a prefix.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    pub(crate) prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        if prefix.len() > 200 || prefix.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::invalid_config(
                "key_prefix",
                "redis key prefix must be at most 200 bytes without spaces or control characters",
            ));
        }
        Ok(Self {
            prefix: prefix.to_owned(),
        })
    }

    pub(crate) fn token(&self, key: &TokenKey) -> String {
        self.name("token", key)
    }

    pub(crate) fn lease(&self, key: &TokenKey) -> String {
        self.name("lease", key)
    }

    pub(crate) fn idempotency(&self, key: &IdempotencyKey) -> String {
        format!(
            "{}idempotency:{}:{}:{}",
            self.prefix,
            escape(key.provider_id.as_str()),
            escape(key.tenant_id.as_str()),
            escape(&key.key)
        )
    }

    pub(crate) fn nonce(&self, nonce: &str) -> String {
        format!("{}nonce:{}", self.prefix, escape(nonce))
    }

    /// The keys of host pool `pool`: `{prefix}hosts:{<pool>}:` then the part. The pool sits in
    /// a hash tag (`{...}`), so on a Redis Cluster all of a pool's keys share a slot and one
    /// script may touch them all (<https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags>).
    pub(crate) fn host_pool(&self, pool: &str) -> String {
        format!("{}hosts:{{{}}}:", self.prefix, hash_tag(pool))
    }

    /// The hash of subscription `id` of `provider`. A provider's subscription keys share the
    /// hash tag `{<provider>}`, so one script may touch a subscription and its indexes on a
    /// Redis Cluster too.
    pub(crate) fn subscription(&self, provider: &str, id: &str) -> String {
        format!("{}sub:{}", self.subscriptions(provider), escape(id))
    }

    /// The set of the ids of `tenant`'s subscriptions at `provider`.
    pub(crate) fn subscriptions_of_tenant(&self, provider: &str, tenant: &str) -> String {
        format!("{}tenant:{}", self.subscriptions(provider), escape(tenant))
    }

    /// The sorted set of `provider`'s subscription ids, scored by expiry in Unix milliseconds.
    pub(crate) fn subscriptions_by_expiry(&self, provider: &str) -> String {
        format!("{}expiry", self.subscriptions(provider))
    }

    fn subscriptions(&self, provider: &str) -> String {
        format!("{}subscriptions:{{{}}}:", self.prefix, hash_tag(provider))
    }

    fn name(&self, kind: &str, key: &TokenKey) -> String {
        // `:` separates the parts, so it is escaped inside them (and `%`, the escape itself):
        // tenant `a:b` of provider `c` and tenant `b` of provider `c:a` never share a key.
        format!(
            "{}{kind}:{}:{}",
            self.prefix,
            escape(key.provider_id.as_str()),
            escape(key.tenant_id.as_str())
        )
    }
}

/// `part` escaped for use inside a hash tag: `{` and `}` too, so the tag ends where we say.
fn hash_tag(part: &str) -> String {
    let mut tag = String::with_capacity(part.len());
    for c in escape(part).chars() {
        match c {
            '{' => tag.push_str("%7B"),
            '}' => tag.push_str("%7D"),
            c => tag.push(c),
        }
    }
    tag
}

fn escape(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_inside_ids_cannot_collide() {
        let keys = Keys::new("p:").unwrap();
        let a = keys.token(&TokenKey::new("a:b", "c"));
        let b = keys.token(&TokenKey::new("b", "c:a"));
        assert_ne!(a, b);
        assert_eq!(a, "p:token:c:a%3Ab");
        assert_ne!(
            keys.token(&TokenKey::new("%3A", "c")),
            keys.token(&TokenKey::new(":", "c"))
        );
    }

    #[test]
    fn host_pools_are_hash_tagged_and_escaped() {
        let keys = Keys::new("p:").unwrap();
        assert_eq!(keys.host_pool("zoom:clinic"), "p:hosts:{zoom%3Aclinic}:");
        assert_eq!(keys.host_pool("a}b{"), "p:hosts:{a%7Db%7B}:");
        assert_ne!(keys.host_pool("a:b"), keys.host_pool("a%3Ab"));
    }

    #[test]
    fn a_providers_subscription_keys_share_one_hash_tag_and_never_collide() {
        let keys = Keys::new("p:").unwrap();
        assert_eq!(
            keys.subscription("google-meet", "a:b"),
            "p:subscriptions:{google-meet}:sub:a%3Ab"
        );
        assert_eq!(
            keys.subscriptions_of_tenant("x{y}", "t"),
            "p:subscriptions:{x%7By%7D}:tenant:t"
        );
        assert_eq!(
            keys.subscriptions_by_expiry("g"),
            "p:subscriptions:{g}:expiry"
        );
        // A tenant or id cannot forge another part's key.
        assert_ne!(
            keys.subscriptions_of_tenant("g", "x:sub:y"),
            keys.subscription("g", "y")
        );
        assert_ne!(
            keys.subscription("g", "expiry"),
            keys.subscriptions_by_expiry("g")
        );
    }

    #[test]
    fn prefixes_with_spaces_are_refused() {
        assert!(Keys::new("a b").is_err());
        assert!(Keys::new("").is_ok());
    }
}
