use extract::Extract;

// Every mistake here is reported at once, each on its own span, and the
// type still gets a stand-in impl so its uses don't add more errors.
#[derive(Extract)]
#[extract(partial = "PartialThing", colour = "red")]
struct Thing {
    #[extract(min_items = 5, max_items = 2)]
    items: Vec<String>,
    #[serde(skip)]
    #[extract(atomic)]
    cache: Vec<u8>,
    #[extract(stream_required, stream_required)]
    id: u32,
    #[serde(rename = "id")]
    other_id: u32,
    #[extract(minimum = "zero")]
    count: i32,
}

fn uses_it() -> serde_json::Value {
    Thing::json_schema()
}

fn main() {}
