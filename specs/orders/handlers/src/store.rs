//! The in-memory store the handlers share (given at start-up as application state).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub use crate::models::{NewOrder, Order};

/// The orders, shared by every worker (cheap to clone: one `Arc`).
#[derive(Debug, Clone, Default)]
pub struct Store {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    next: i64,
    authorizer_calls: u64,
    orders: BTreeMap<i64, Order>,
}

impl Store {
    /// Adds an order and returns it with its id.
    pub fn insert(&self, new: NewOrder) -> Order {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.next += 1;
        let order = Order {
            id: inner.next,
            item: new.item,
            quantity: new.quantity.unwrap_or(1),
        };
        inner.orders.insert(order.id, order.clone());
        order
    }

    /// One order.
    pub fn get(&self, id: i64) -> Option<Order> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.orders.get(&id).cloned()
    }

    /// Up to `limit` orders, by id.
    pub fn list(&self, limit: usize) -> Vec<Order> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.orders.values().take(limit).cloned().collect()
    }

    /// Counts one call of the staff authorizer and returns its number (the authorizer takes
    /// the store as shared state, as the handlers do).
    pub fn authorizer_call(&self) -> u64 {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.authorizer_calls += 1;
        inner.authorizer_calls
    }

    /// Removes an order; false when there was none.
    pub fn remove(&self, id: i64) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.orders.remove(&id).is_some()
    }
}

/// A new, empty store: the state function the spec-first gateway calls at start-up
/// (`x-gateway.rust.state` in `specs/orders/spec.yaml`).
pub fn open() -> Store {
    Store::default()
}
