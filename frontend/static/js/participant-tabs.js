// On a phone the participant page is three tabs (the floor and your place,
// the transcript, the queue) in a bar that stays at the top, so the
// transcript is one tap away rather than a long scroll below. On a wider
// screen everything shows side by side and the bar is not there.

const PHONE = matchMedia('(max-width: 55.99rem)');

export class Tabs {
  // list is the role=tablist element; its buttons' aria-controls name the
  // panels.
  constructor(list) {
    this.list = list;
    this.tabs = [...list.querySelectorAll('[role="tab"]')];
    this.main = list.closest('main');
    for (const tab of this.tabs) {
      tab.addEventListener('click', () => this.select(tab.id, true));
      tab.addEventListener('keydown', (e) => this.#key(e, tab));
    }
    PHONE.addEventListener('change', () => this.#roles());
    this.select(this.tabs[0].id, false);
  }

  // select shows the tab's panel (on a phone); focus moves to the tab when
  // a person chose it.
  select(id, focus) {
    for (const tab of this.tabs) {
      const on = tab.id === id;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
    this.main.dataset.tab = id;
    this.#roles();
    // A panel opens at its top, under the bar, wherever the last one was
    // scrolled to.
    if (PHONE.matches && scrollY > this.list.offsetTop) scrollTo({ top: this.list.offsetTop });
    this.list.dispatchEvent(new CustomEvent('tabchange', { detail: id }));
  }

  // Panels are tab panels only while the bar shows; hidden ones are hidden
  // from everyone, not only from sight.
  #roles() {
    for (const tab of this.tabs) {
      const panel = document.getElementById(tab.getAttribute('aria-controls'));
      if (!panel) continue; // the page shows why it cannot open the room
      const shown = !PHONE.matches || tab.getAttribute('aria-selected') === 'true';
      if (PHONE.matches) {
        panel.setAttribute('role', 'tabpanel');
        panel.setAttribute('aria-labelledby', tab.id);
      } else {
        panel.removeAttribute('role');
        if (panel.dataset.heading) panel.setAttribute('aria-labelledby', panel.dataset.heading);
        else panel.removeAttribute('aria-labelledby');
      }
      panel.classList.toggle('tab-hidden', !shown);
    }
  }

  #key(e, tab) {
    const i = this.tabs.indexOf(tab);
    const rtl = document.documentElement.dir === 'rtl';
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[e.key];
    let to;
    if (step) to = (i + step + this.tabs.length) % this.tabs.length;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = this.tabs.length - 1;
    else return;
    e.preventDefault();
    this.select(this.tabs[to].id, true);
  }
}
