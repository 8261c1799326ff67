//! The pages with 200 and with 2,000 past weeks, measured side by side: both servers run at
//! once, and each page is measured in one-second slices that take turns between them, each
//! right after a slice of the same server's `/livez`. Two runs one after the other differ by
//! this machine's drift (20% and more); slices a few seconds apart see the same machine.

use super::*;

/// A page's ratio to `/livez` with 200 and with 2,000 past weeks, and the median change.
pub(crate) struct Compared {
    pub(crate) page: &'static str,
    pub(crate) usual: f64,
    pub(crate) long: f64,
    pub(crate) change: f64,
}

/// The request of page `page` (one of `PAGES`) for connection `task`.
fn page_plan(page: &'static str, readers: Arc<Vec<Session>>) -> Plan {
    let (path, logged_in) = match page {
        "GET / (logged in)" => ("/", true),
        "GET / (logged in, identity)" => ("/?identity", true),
        "GET /api/v1/weeks/current" => ("/api/v1/weeks/current", false),
        "GET /winners" => ("/winners", false),
        _ => ("/", false),
    };
    Arc::new(move |task, _| Request::Get {
        path,
        cookie: logged_in.then(|| readers[task].cookie.clone()),
    })
}

pub(crate) fn side_by_side(
    usual_url: &str,
    long_url: &str,
    data_dir: &std::path::Path,
    opts: &Options,
) -> anyhow::Result<Vec<Compared>> {
    let servers = [
        start_server(usual_url, data_dir)?,
        start_server(long_url, data_dir)?,
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(opts.connections * 2)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let connections = opts.connections;
        let accepted: Accepted = Arc::new(Mutex::new(HashMap::new()));
        let livez: Plan = Arc::new(|_, _| Request::Get {
            path: "/livez",
            cookie: None,
        });
        let mut readers = Vec::new();
        for server in &servers {
            let mut sessions = Vec::new();
            for i in 0..connections {
                sessions.push(dev_login(&client, &server.base, &format!("reader{i}")).await?);
            }
            readers.push(Arc::new(sessions));
            load(
                &client,
                &server.base,
                livez.clone(),
                connections,
                1,
                accepted.clone(),
            )
            .await;
        }
        println!(
            "{:<32} {:>10} {:>10} {:>8}",
            "page (vs /livez)", "200 weeks", "2,000", "change"
        );
        let mut compared = Vec::new();
        for page in PAGES {
            let mut ratios = [Vec::new(), Vec::new()];
            let mut changes = Vec::new();
            for round in 0..opts.seconds {
                let mut ratio = [0.0; 2];
                // Taking turns in both orders, so neither server always goes first.
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                for k in order {
                    let base = &servers[k].base;
                    let plan = page_plan(page, readers[k].clone());
                    let yardstick =
                        load(&client, base, livez.clone(), connections, 1, accepted.clone()).await;
                    let slice = load(&client, base, plan, connections, 1, accepted.clone()).await;
                    ratio[k] = slice.rate() / yardstick.rate().max(1.0);
                    ratios[k].push(ratio[k]);
                }
                changes.push(ratio[1] / ratio[0] - 1.0);
            }
            let row = Compared {
                page,
                usual: median(&mut ratios[0]),
                long: median(&mut ratios[1]),
                change: median(&mut changes),
            };
            println!(
                "{:<32} {:>10.2} {:>10.2} {:>+7.0}%",
                row.page,
                row.usual,
                row.long,
                row.change * 100.0
            );
            compared.push(row);
        }
        anyhow::Ok(compared)
    })
}
