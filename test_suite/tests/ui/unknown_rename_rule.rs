use extract::Extract;

#[derive(Extract)]
#[serde(rename_all = "Title Case")]
struct Report {
    page_count: u32,
}

fn main() {}
