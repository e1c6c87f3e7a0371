//! The first seed's conference: the meeting notes, the types extracted
//! from them, and the answer the replay server streams for them. Shared by
//! the `conference` and `web_relay` examples and the browser tests.

use std::time::Duration;

use extract::testing::Reply;
use extract::Extract;

/// The meeting notes.
pub const TEXT_BLOCK: &str = "
In our recent online meeting, participants from various backgrounds joined to discuss the upcoming tech conference. The names and contact details of the participants were as follows:

- Name: John Doe, Email: johndoe@email.com, Twitter: @TechGuru44
- Name: Jane Smith, Email: janesmith@email.com, Twitter: @DigitalDiva88
- Name: Alex Johnson, Email: alexj@email.com, Twitter: @CodeMaster2023
- Name: Emily Clark, Email: emilyc@email.com, Twitter: @InnovateQueen
- Name: Ron Stewart, Email: ronstewart@email.com, Twitter: @RoboticsRon5
- Name: Sarah Lee, Email: sarahlee@email.com, Twitter: @AI_Aficionado
- Name: Mike Brown, Email: mikeb@email.com, Twitter: @FutureTechLeader
- Name: Lisa Green, Email: lisag@email.com, Twitter: @CyberSavvy101
- Name: David Wilson, Email: davidw@email.com, Twitter: @GadgetGeek77
- Name: Daniel Kim, Email: danielk@email.com, Twitter: @DataDrivenDude

During the meeting, we agreed on several key points. The conference will be held on March 15th, 2024, at the Grand Tech Arena located at 4521 Innovation Drive. Dr. Emily Johnson, a renowned AI researcher, will be our keynote speaker.

The budget for the event is set at $50,000, covering venue costs, speaker fees, and promotional activities. Each participant is expected to contribute an article to the conference blog by February 20th.

A follow-up meeting is scheduled for January 25th at 3 PM GMT to finalize the agenda and confirm the list of speakers.
";

/// One participant of the meeting.
#[derive(Extract, Debug, Clone, PartialEq)]
pub struct User {
    /// Full name.
    pub name: String,
    /// Their handle (the e-mail address given).
    pub handle: String,
    /// Twitter handle, with the `@`.
    pub twitter: String,
}

/// What the meeting notes say about the conference (the seed's
/// `ExtractionValues`).
#[derive(Extract, Debug, Clone, PartialEq)]
pub struct ExtractionValues {
    /// Every participant.
    #[extract(min_items = 5)]
    pub users: Vec<User>,
    /// When the conference is held.
    pub date: String,
    /// Where it is held.
    pub location: String,
    /// The budget, in dollars.
    pub budget: f64,
    /// When the participants' articles are due.
    #[extract(min_length = 1)]
    pub deadline: String,
}

/// The answer the replay server streams when no `OPENAI_API_KEY` is set:
/// what a chat model answers for the page's text.
pub const ANSWER: &str = r#"{"users":[{"name":"John Doe","handle":"johndoe@email.com","twitter":"@TechGuru44"},{"name":"Jane Smith","handle":"janesmith@email.com","twitter":"@DigitalDiva88"},{"name":"Alex Johnson","handle":"alexj@email.com","twitter":"@CodeMaster2023"},{"name":"Emily Clark","handle":"emilyc@email.com","twitter":"@InnovateQueen"},{"name":"Ron Stewart","handle":"ronstewart@email.com","twitter":"@RoboticsRon5"},{"name":"Sarah Lee","handle":"sarahlee@email.com","twitter":"@AI_Aficionado"},{"name":"Mike Brown","handle":"mikeb@email.com","twitter":"@FutureTechLeader"},{"name":"Lisa Green","handle":"lisag@email.com","twitter":"@CyberSavvy101"},{"name":"David Wilson","handle":"davidw@email.com","twitter":"@GadgetGeek77"},{"name":"Daniel Kim","handle":"danielk@email.com","twitter":"@DataDrivenDude"}],"date":"March 15th, 2024","location":"Grand Tech Arena, 4521 Innovation Drive","budget":50000,"deadline":"February 20th"}"#;

/// The replay server's reply: [`ANSWER`] streamed 4 characters per event
/// (as OpenAI does), `delay` apart.
pub fn replay_reply(delay: Duration) -> Reply {
    Reply::json(ANSWER).fragment(4).delay(delay)
}
