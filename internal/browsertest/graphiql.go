package browsertest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// GraphiQL's DOM, as rendered by graphiql 2.x–4.x (skygraph ships 4.1.2). Its editors are
// CodeMirror 5 instances, and CodeMirror 5 keeps each instance on its wrapper element as
// the .CodeMirror property, which is how we read and write editor contents.
const (
	selQueryEditor = ".graphiql-query-editor .CodeMirror"
	selResponse    = ".graphiql-response .CodeMirror"
	selExecute     = ".graphiql-execute-button"
	// The variables and headers editors share one section, whose aria-label names the
	// visible one; the hidden one has the class "hidden".
	selHeadersEditor = `section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror`
)

// RunPlaygroundQuery opens the GraphiQL page at pageURL in a new headless browser, runs
// query (with the given request headers, if any, typed into GraphiQL's headers editor)
// by clicking the run button, and returns the text of the result pane: the JSON
// response as GraphiQL pretty-prints it. It fails the test if any step takes longer than
// Timeout, skips it if no browser is installed (see RequireChromium).
//
// It knows nothing about the server behind the page: point it at skygraph's real
// playground or at a test stub alike. Use NewBrowser, OpenPlayground and PlaygroundQuery
// instead to run several queries in one page or to inspect requests and console errors.
func RunPlaygroundQuery(t testing.TB, pageURL, query string, headers map[string]string) string {
	t.Helper()
	b := NewBrowser(t)
	b.OpenPlayground(pageURL)
	return b.PlaygroundQuery(query, headers)
}

// OpenPlayground loads the GraphiQL page at pageURL and waits until GraphiQL has rendered
// its query editor and run button, and its first requests (the schema introspection)
// have settled.
func (b *Browser) OpenPlayground(pageURL string) {
	b.t.Helper()
	b.Navigate(pageURL)
	ready := fmt.Sprintf(`(() => {
		const q = document.querySelector(%q);
		return !!(q && q.CodeMirror && document.querySelector(%q));
	})()`, selQueryEditor, selExecute)
	if err := b.Run(chromedp.Poll(ready, nil, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("browsertest: GraphiQL at %s did not render its query editor: %v", pageURL, err)
	}
	// GraphiQL introspects the schema right after rendering, and writes an introspection
	// error into the result pane. Let that finish, so it cannot land in the result pane
	// after we cleared it for our own query.
	b.waitNetworkIdle(300*time.Millisecond, 5*time.Second)
}

// PlaygroundQuery runs query in the GraphiQL page opened by OpenPlayground and returns
// the result pane's text. query should hold one operation (with several, GraphiQL asks
// which one to run). headers, if not empty, replace the contents of the headers editor
// as JSON; with nil headers, whatever the editor holds is sent.
//
// Editors are set through their CodeMirror instances (setValue) rather than by typing:
// typing into GraphiQL triggers bracket auto-closing and autocompletion pop-ups that
// change what ends up in the editor, while setValue produces exactly the given text and
// fires the same change events GraphiQL listens to. The run button, though, gets a real
// mouse click. The result is read with CodeMirror's getValue, not the DOM text, because
// CodeMirror renders only the visible lines of a long result.
func (b *Browser) PlaygroundQuery(query string, headers map[string]string) string {
	b.t.Helper()
	q, _ := json.Marshal(query)
	var ok bool
	// GraphiQL takes the operation name (and the tab's title) from the query in a change
	// handler debounced by 100 ms: clicking run before it fires would send the previous
	// query's operation name. So the setter resolves only after a page timer set later and
	// for longer than GraphiQL's: timers fire in deadline order, whatever the machine's speed.
	if err := b.Run(chromedp.Evaluate(fmt.Sprintf(`(async (text) => {
		const cm = document.querySelector(%q).CodeMirror;
		cm.setValue(text);
		await new Promise((r) => setTimeout(r, 250));
		return cm.getValue() === text;
	})(%s)`, selQueryEditor, q), &ok, awaitPromise)); err != nil || !ok {
		b.t.Fatalf("browsertest: setting GraphiQL's query (ok=%v): %v", ok, err)
	}

	if len(headers) > 0 {
		b.setHeaders(headers)
	}
	return b.PlaygroundRun()
}

// PlaygroundRun clicks GraphiQL's run button and returns the result pane's text: it runs
// whatever the editors hold, such as the page's default tab.
func (b *Browser) PlaygroundRun() string {
	b.t.Helper()
	// Empty the result pane, click run, and wait for GraphiQL to have finished (no
	// spinner) with something in the pane. GraphiQL clears the pane itself when a run
	// starts; clearing it here as well means an identical earlier result cannot be
	// mistaken for this one.
	if err := b.Run(chromedp.Evaluate(fmt.Sprintf(`(() => {
		const r = document.querySelector(%q);
		if (r && r.CodeMirror) r.CodeMirror.setValue('');
	})()`, selResponse), nil)); err != nil {
		b.t.Fatalf("browsertest: clearing GraphiQL's result pane: %v", err)
	}
	var result string
	done := fmt.Sprintf(`(() => {
		if (document.querySelector('.graphiql-response .graphiql-spinner')) return false;
		const r = document.querySelector(%q);
		const text = r && r.CodeMirror ? r.CodeMirror.getValue() : '';
		return text.trim() === '' ? false : text;
	})()`, selResponse)
	if err := b.Run(
		chromedp.Click(selExecute, chromedp.ByQuery, chromedp.NodeVisible),
		chromedp.Poll(done, &result, chromedp.WithPollingInterval(50*time.Millisecond)),
	); err != nil {
		b.t.Fatalf("browsertest: running the query in GraphiQL: no result: %v", err)
	}
	return result
}

// PlaygroundEditors is what GraphiQL's editors hold, as a person sees them.
type PlaygroundEditors struct {
	Query, Variables, Headers, Result string
}

// Editors reads the query, variables, headers and result editors of the open page.
func (b *Browser) Editors() PlaygroundEditors {
	b.t.Helper()
	var e PlaygroundEditors
	b.Eval(fmt.Sprintf(`(() => {
		const cm = (el) => (el && el.CodeMirror ? el.CodeMirror.getValue() : '');
		const tools = document.querySelectorAll('section.graphiql-editor-tool .graphiql-editor');
		return {
			Query: cm(document.querySelector(%q)),
			Variables: cm(tools[0] && tools[0].querySelector('.CodeMirror')),
			Headers: cm(tools[1] && tools[1].querySelector('.CodeMirror')),
			Result: cm(document.querySelector(%q)),
		};
	})()`, selQueryEditor, selResponse), &e)
	return e
}

// DocsRootTypes opens GraphiQL's documentation explorer and returns its root types as
// shown ("query: Query", …): they appear only once GraphiQL has loaded the schema by
// introspection, so an empty answer is never returned; the test fails instead, with what
// the explorer shows (an introspection error, or "loading" forever).
func (b *Browser) DocsRootTypes() []string {
	b.t.Helper()
	var clicked bool
	b.Eval(`(() => {
		const btn = document.querySelector('.graphiql-sidebar button[aria-label$="Documentation Explorer"]');
		if (!btn) return false;
		if (!document.querySelector('.graphiql-doc-explorer')) btn.click();
		return true;
	})()`, &clicked)
	if !clicked {
		b.t.Fatalf("browsertest: GraphiQL has no Documentation Explorer button")
	}
	// Either the root types appear, or GraphiQL shows its schema error (fail at once).
	var got struct {
		Roots []string
		Error string
	}
	err := b.Run(chromedp.Poll(`(() => {
		const err = document.querySelector('.graphiql-doc-explorer .graphiql-doc-explorer-error');
		if (err) return { Roots: [], Error: err.textContent.trim() || 'error' };
		const els = [...document.querySelectorAll('.graphiql-doc-explorer .graphiql-doc-explorer-root-type')];
		return els.length ? { Roots: els.map((e) => e.parentElement.textContent.trim()), Error: '' } : false;
	})()`, &got, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil || got.Error != "" || len(got.Roots) == 0 {
		var shown string
		_ = b.Run(chromedp.Evaluate(`(() => { const d = document.querySelector('.graphiql-doc-explorer'); return d ? d.innerText : '(no explorer)'; })()`, &shown))
		b.t.Fatalf("browsertest: the docs explorer lists no root types (schema not loaded): %v %s; it shows: %q", err, got.Error, shown)
	}
	roots := got.Roots
	return roots
}

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// setHeaders opens GraphiQL's headers tab and puts headers in its editor, as JSON.
func (b *Browser) setHeaders(headers map[string]string) {
	b.t.Helper()
	text, _ := json.MarshalIndent(headers, "", "  ")
	js, _ := json.Marshal(string(text))
	var clicked bool
	if err := b.Run(chromedp.Evaluate(`(() => {
		const tab = [...document.querySelectorAll('.graphiql-editor-tools button')]
			.find((b) => b.textContent.trim() === 'Headers');
		if (!tab) return false;
		tab.click();
		return true;
	})()`, &clicked)); err != nil || !clicked {
		b.t.Fatalf("browsertest: GraphiQL has no Headers tab (is isHeadersEditorEnabled off?) (%v)", err)
	}
	var ok bool
	if err := b.Run(
		chromedp.Poll(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!(e && e.CodeMirror); })()`, selHeadersEditor),
			nil, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Evaluate(fmt.Sprintf(`((text) => {
			const cm = document.querySelector(%q).CodeMirror;
			cm.setValue(text);
			cm.refresh();
			return cm.getValue() === text;
		})(%s)`, selHeadersEditor, js), &ok),
	); err != nil || !ok {
		b.t.Fatalf("browsertest: setting GraphiQL's request headers (ok=%v): %v", ok, err)
	}
}
