// Small helps for people with JavaScript; every page works without it.

// Voting in place: the vote is sent in the background and the ballot redrawn from the answer
// (the same page the form would load), so the phone stays where it was. Without JavaScript, or
// if anything goes wrong, the form submits as usual and comes back to the entry.
const voteForm = document.getElementById("vote-form");
if (voteForm && window.fetch && window.DOMParser) {
  voteForm.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (!button || !button.value) return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(voteForm));
    body.set("nomination_id", button.value);
    try {
      const answer = await fetch(voteForm.action, { method: "POST", body, credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      const page = new DOMParser().parseFromString(await answer.text(), "text/html");
      const fresh = page.querySelector(".ballots");
      if (!fresh) throw new Error("no ballot");
      document.querySelector(".ballots").replaceWith(fresh);
      const line = page.getElementById("your-votes");
      const mine = document.getElementById("your-votes");
      if (line && mine) mine.replaceWith(line);
      const entry = document.getElementById(`nomination-${button.value}`);
      if (entry) {
        const note = document.createElement("p");
        note.className = "flash";
        note.setAttribute("role", "status");
        note.textContent = "Your vote is counted. You can move it until voting closes.";
        entry.querySelector(".what").appendChild(note);
      }
    } catch (_) {
      voteForm.submit();
    }
  });
}

// Nominating something already on the ballot joins it: say so before the form is sent.
const crateName = document.getElementById("crate_name");
const joining = document.getElementById("joining");
if (crateName && joining && !crateName.readOnly && window.fetch) {
  const key = (name) => name.trim().toLowerCase().replace(/_/g, "-");
  crateName.addEventListener("change", async () => {
    joining.hidden = true;
    if (!crateName.value.trim()) return;
    try {
      const week = await (await fetch("/api/v1/weeks/current")).json();
      const entry = (week.categories.crate || []).find((e) => key(e.crate.name) === key(crateName.value));
      if (!entry) return;
      const others = entry.nominators.length + (entry.forum ? 1 : 0);
      joining.textContent = `${entry.crate.name} is already on this week's ballot: you will join ${others} other${others === 1 ? "" : "s"} as a co-nominator, and your words are kept beside theirs.`;
      joining.hidden = false;
    } catch (_) {}
  });
}
