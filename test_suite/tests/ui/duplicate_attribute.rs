use extract::Extract;

#[derive(Extract)]
struct Post {
    #[extract(atomic, description = "Tags.", atomic)]
    tags: Vec<String>,
}

fn main() {}
