//! The derived type of the records document: the shape
//! [`records_document`](super::records_document) writes, with serde's
//! `Deserialize` too, so that serde derive can be the baseline.

use extract::Extract;
use serde::Deserialize;

/// `{"records": [...]}`.
#[derive(Extract, Deserialize, Debug, PartialEq)]
pub struct Document {
    pub records: Vec<Record>,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
pub struct Record {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub score: f64,
    pub rank: i64,
    pub kind: Kind,
    pub address: Address,
    pub tags: Vec<String>,
    pub history: Vec<Entry>,
    pub bio: String,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Speaker,
    Attendee,
    Organizer,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub zip: String,
    pub geo: Geo,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
pub struct Geo {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
pub struct Entry {
    pub year: u16,
    pub event: String,
    pub note: Option<String>,
}
