//! A browser-like HTTP client for the tests that drive the server's pages without Chromium: its
//! own cookie jar, a log-in, the form token of a page, forms and uploads.

use diesel::prelude::*;

use super::TestApp;

/// A client with its own cookies (and so its own session), for one test's server.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub client: reqwest::blocking::Client,
}

impl<'a> Browser<'a> {
    /// A visitor who has not logged in.
    pub fn anonymous(app: &'a TestApp) -> Self {
        Browser {
            app,
            client: super::client(),
        }
    }

    /// Logged in as the demo user `user` (password `gongzhi-demo`).
    pub fn login(app: &'a TestApp, user: &str) -> Self {
        Self::login_landing(app, user).0
    }

    /// Logged in as `user` with `password`.
    pub fn login_with(app: &'a TestApp, user: &str, password: &str) -> Self {
        let b = Self::anonymous(app);
        b.log_in(user, password);
        b
    }

    /// Logged in as the demo user `user`, with where the log-in sent it.
    pub fn login_landing(app: &'a TestApp, user: &str) -> (Self, String) {
        let b = Self::anonymous(app);
        let to = b.log_in(user, "gongzhi-demo");
        (b, to)
    }

    fn log_in(&self, user: &str, password: &str) -> String {
        let csrf = self.csrf("/login");
        let r = self.post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("username", user),
                ("password", password),
            ],
        );
        assert_eq!(r.status().as_u16(), 303, "{user} logs in");
        location(&r)
    }

    /// GET: the status and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.app.url(path)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    /// GET a page that must answer 200: its body.
    pub fn page(&self, path: &str) -> String {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}");
        body
    }

    /// The form token on the page at `path`.
    pub fn csrf(&self, path: &str) -> String {
        let (s, body) = self.get(path);
        super::extract_csrf(&body).unwrap_or_else(|| panic!("no csrf on {path} ({s}): {body}"))
    }

    /// POST an urlencoded form.
    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client.post(self.app.url(path)).form(form).send().unwrap()
    }

    /// POST a multipart form.
    pub fn post_multipart(
        &self,
        path: &str,
        form: reqwest::blocking::multipart::Form,
    ) -> reqwest::blocking::Response {
        self.client
            .post(self.app.url(path))
            .multipart(form)
            .send()
            .unwrap()
    }

    /// POST JPEG photos as the `photos` parts of a multipart form with its token.
    pub fn upload(&self, path: &str, csrf: &str, photos: &[Vec<u8>]) -> reqwest::blocking::Response {
        let mut f = reqwest::blocking::multipart::Form::new().text("csrf", csrf.to_string());
        for (i, bytes) in photos.iter().enumerate() {
            f = f.part(
                "photos",
                reqwest::blocking::multipart::Part::bytes(bytes.clone())
                    .file_name(format!("IMG_{i}.jpg"))
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        }
        self.post_multipart(path, f)
    }
}

/// Where a response redirects to ("" when it does not).
pub fn location(r: &reqwest::blocking::Response) -> String {
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Adds a merchant account `name` (password `gongzhi-demo`) for the shop `merchant`, reading
/// the site in `language` ("zh-CN" or "en").
pub fn add_merchant_user(app: &TestApp, name: &str, merchant: i32, language: &str) {
    use gongzhi::db::schema::users;
    let mut c = app.conn();
    gongzhi::services::users::add_user(
        &mut c,
        &gongzhi::db::models::audit::Actor::system("test"),
        &gongzhi::services::users::UserSpec {
            username: name,
            password: "gongzhi-demo",
            role: "merchant",
            display_name: name,
            email: &format!("{name}@example.com"),
            merchant_id: Some(merchant),
        },
    )
    .unwrap();
    diesel::update(users::table)
        .filter(users::username.eq(name))
        .set(users::language.eq(language))
        .execute(&mut *c)
        .unwrap();
}
