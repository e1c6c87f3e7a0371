use extract::Extract;

#[derive(Extract)]
struct Users {
    #[extract(min_item = 5)]
    users: Vec<String>,
}

fn main() {}
