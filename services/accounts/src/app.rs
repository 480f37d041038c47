//! The use cases of accounts: domain values in, domain values or [`Error`] out. Each owns its
//! transaction and turns the store's constraint failures into what they mean here.

use sea_orm::{DatabaseConnection, TransactionTrait};
use textport_domain::{AccountId, ApiKeyHash, ApiKeyId, MessagingProfileId, Page, SharedClock};
use textport_platform::db::{DbFailure, Versioned, failure};

use crate::domain::{
    Account, AccountName, IssuedKey, KeyLabel, MessagingProfile, NewProfileInput, ProfilePatch,
};
use crate::error::Error;
use crate::store::{self, ProfileFilter};

mod notifications;

pub use notifications::SettingQuery;

/// Tries of a read-apply-write update before the caller is asked to retry.
const UPDATE_ATTEMPTS: usize = 5;

#[derive(Clone)]
pub struct App {
    db: DatabaseConnection,
    clock: SharedClock,
}

impl App {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> Self {
        Self { db, clock }
    }

    // === accounts and keys ===

    pub async fn authenticate(&self, hash: &ApiKeyHash) -> Result<Account, Error> {
        store::account_by_key(&self.db, hash)
            .await?
            .ok_or(Error::UnknownKey)
    }

    /// The account with this name, created if missing; whether it was created.
    pub async fn ensure_account(&self, name: &AccountName) -> Result<(Account, bool), Error> {
        Ok(store::ensure_account(&self.db, name, self.clock.now()).await?)
    }

    pub async fn create_account(&self, name: AccountName) -> Result<Account, Error> {
        let account = Account {
            id: AccountId::new(),
            name,
            created_at: self.clock.now(),
        };
        store::insert_account(&self.db, &account)
            .await
            .map_err(|e| match failure(&e) {
                DbFailure::UniqueViolation => Error::AccountNameTaken,
                _ => Error::Store(e),
            })?;
        Ok(account)
    }

    pub async fn account(&self, id: AccountId) -> Result<Account, Error> {
        store::account(&self.db, id)
            .await?
            .ok_or(Error::AccountNotFound)
    }

    pub async fn accounts(&self, page: Page) -> Result<(Vec<Account>, u64), Error> {
        Ok(store::list_accounts(&self.db, page).await?)
    }

    /// Registers a key's hash. `replace_label` revokes the account's earlier keys of that label
    /// in the same transaction.
    pub async fn issue_key(
        &self,
        account: AccountId,
        label: KeyLabel,
        hash: &ApiKeyHash,
        replace_label: bool,
    ) -> Result<IssuedKey, Error> {
        let key = IssuedKey {
            id: ApiKeyId::new(),
            account_id: account,
            label,
            created_at: self.clock.now(),
        };
        let txn = self.db.begin().await?;
        if replace_label {
            store::delete_keys_of_label(&txn, account, &key.label, hash).await?;
        }
        store::insert_key(&txn, &key, hash)
            .await
            .map_err(|e| match failure(&e) {
                DbFailure::UniqueViolation => Error::ApiKeyTaken,
                DbFailure::ForeignKeyViolation => Error::AccountNotFound,
                _ => Error::Store(e),
            })?;
        txn.commit().await?;
        Ok(key)
    }

    pub async fn keys(
        &self,
        account: AccountId,
        page: Page,
    ) -> Result<(Vec<IssuedKey>, u64), Error> {
        self.account(account).await?;
        Ok(store::list_keys(&self.db, account, page).await?)
    }

    pub async fn revoke_key(&self, id: ApiKeyId) -> Result<(IssuedKey, ApiKeyHash), Error> {
        store::delete_key(&self.db, id)
            .await?
            .ok_or(Error::ApiKeyNotFound)
    }

    // === messaging profiles ===

    pub async fn create_profile(
        &self,
        account: AccountId,
        input: NewProfileInput,
    ) -> Result<MessagingProfile, Error> {
        let profile =
            MessagingProfile::create(account, input, self.clock.now()).map_err(Error::Invalid)?;
        store::insert_profile(&self.db, &profile)
            .await
            .map_err(|e| match failure(&e) {
                DbFailure::ForeignKeyViolation => Error::AccountNotFound,
                _ => Error::Store(e),
            })?;
        Ok(profile)
    }

    /// The caller's profile; another account's profile is not found, as if it did not exist.
    pub async fn profile(
        &self,
        account: AccountId,
        id: MessagingProfileId,
    ) -> Result<Versioned<MessagingProfile>, Error> {
        store::profile(&self.db, account, id)
            .await?
            .ok_or(Error::ProfileNotFound)
    }

    pub async fn profiles(
        &self,
        account: AccountId,
        filter: &ProfileFilter,
        page: Page,
    ) -> Result<(Vec<MessagingProfile>, u64), Error> {
        Ok(store::list_profiles(&self.db, account, filter, page).await?)
    }

    /// Reads, applies and writes if nobody wrote in between; otherwise applies the patch again
    /// to what they wrote, so concurrent updates of different fields all land.
    pub async fn update_profile(
        &self,
        account: AccountId,
        id: MessagingProfileId,
        patch: ProfilePatch,
    ) -> Result<MessagingProfile, Error> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.profile(account, id).await?;
            let updated = current
                .value
                .update(patch.clone(), self.clock.now())
                .map_err(Error::Invalid)?;
            if store::update_profile(&self.db, &updated, current.revision).await? {
                return Ok(updated);
            }
        }
        Err(Error::ProfileContended)
    }

    pub async fn delete_profile(
        &self,
        account: AccountId,
        id: MessagingProfileId,
    ) -> Result<MessagingProfile, Error> {
        let profile = self.profile(account, id).await?.value;
        if store::delete_profile(&self.db, account, id).await? {
            Ok(profile)
        } else {
            Err(Error::ProfileNotFound)
        }
    }
}
