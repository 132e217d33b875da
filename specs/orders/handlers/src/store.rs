//! The in-memory store the handlers share (given at start-up as application state).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// An order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Its id, given by the store.
    pub id: u64,
    /// What was ordered.
    pub item: String,
    /// How many.
    pub quantity: u32,
}

/// What a client sends to create an order.
#[derive(Debug, Clone, Deserialize)]
pub struct NewOrder {
    /// What to order.
    pub item: String,
    /// How many (default 1).
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// The orders, shared by every worker (cheap to clone: one `Arc`).
#[derive(Debug, Clone, Default)]
pub struct Store {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    orders: BTreeMap<u64, Order>,
}

impl Store {
    /// Adds an order and returns it with its id.
    pub fn insert(&self, new: NewOrder) -> Order {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.next += 1;
        let order = Order {
            id: inner.next,
            item: new.item,
            quantity: new.quantity,
        };
        inner.orders.insert(order.id, order.clone());
        order
    }

    /// One order.
    pub fn get(&self, id: u64) -> Option<Order> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.orders.get(&id).cloned()
    }

    /// Up to `limit` orders, by id.
    pub fn list(&self, limit: usize) -> Vec<Order> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.orders.values().take(limit).cloned().collect()
    }

    /// Removes an order; false when there was none.
    pub fn remove(&self, id: u64) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.orders.remove(&id).is_some()
    }
}

/// A new, empty store: the state function the spec-first gateway calls at start-up
/// (`x-gateway.rust.state` in `specs/orders/spec.yaml`).
pub fn open() -> Store {
    Store::default()
}
