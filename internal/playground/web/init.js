// Boots GraphiQL for skygraph's playground page. It lives in its own file, served from
// 'self', because the page's Content-Security-Policy forbids inline scripts. All settings
// come from the data-* attributes of #graphiql, which the Go server fills in with
// html/template, so nothing user-supplied is ever concatenated into HTML or script.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var cfg = root.dataset;

  // graphql-ws needs an absolute ws(s):// URL; the server gives a path (or a URL).
  function webSocketURL(path) {
    var u = new URL(path, window.location.href);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    if (u.protocol === 'https:') u.protocol = 'wss:';
    return u.href;
  }

  var fetcherOptions = { url: new URL(cfg.endpoint, window.location.href).href };
  if (cfg.subscriptionEndpoint) {
    fetcherOptions.subscriptionUrl = webSocketURL(cfg.subscriptionEndpoint);
  }

  // Request headers (a Cognito token in Authorization, typically) stay in memory
  // only, unless the developer turned "Persist headers" on in GraphiQL's settings
  // dialog, which GraphiQL records under this key. GraphiQL itself resets that
  // choice to the shouldPersistHeaders prop on every load, so we pass it through.
  var NS = 'graphiql:';
  var PERSIST_KEY = NS + 'shouldPersistHeaders';
  var store = null;
  try {
    store = window.localStorage;
    store.getItem(PERSIST_KEY);
  } catch (e) {
    store = null; // storage disabled (private mode, sandboxed frame)
  }
  function persistingHeaders() {
    return !!store && store.getItem(PERSIST_KEY) === 'true';
  }

  // GraphiQL's history and favorites (as of graphiql 4.1.2) save each query with its
  // headers whatever shouldPersistHeaders says, which would leave the token in
  // localStorage. This storage drops "headers" from them unless the developer opted in.
  var HISTORY_KEYS = [NS + 'queries', NS + 'favorites'];
  function withoutHeaders(value) {
    try {
      var data = JSON.parse(value);
      Object.keys(data).forEach(function (k) {
        if (Array.isArray(data[k])) {
          data[k].forEach(function (item) {
            if (item && typeof item === 'object') delete item.headers;
          });
        }
      });
      return JSON.stringify(data);
    } catch (e) {
      return value;
    }
  }
  var storage;
  if (store) {
    storage = {
      getItem: function (key) {
        return store.getItem(key);
      },
      setItem: function (key, value) {
        if (HISTORY_KEYS.indexOf(key) >= 0 && !persistingHeaders()) {
          value = withoutHeaders(value);
        }
        store.setItem(key, value);
      },
      removeItem: function (key) {
        store.removeItem(key);
      },
      clear: function () {
        Object.keys(store).forEach(function (key) {
          if (key.indexOf(NS) === 0) store.removeItem(key);
        });
      },
      get length() {
        return Object.keys(store).filter(function (key) {
          return key.indexOf(NS) === 0;
        }).length;
      },
    };
    // Clean up what an earlier page (or an opted-in session) left behind.
    if (!persistingHeaders()) {
      HISTORY_KEYS.forEach(function (key) {
        var value = store.getItem(key);
        if (value !== null) store.setItem(key, withoutHeaders(value));
      });
    }
  }

  var props = {
    fetcher: GraphiQL.createFetcher(fetcherOptions),
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: persistingHeaders(),
    showPersistHeadersSettings: true,
  };
  if (storage) {
    props.storage = storage;
  }
  if (cfg.defaultQuery) {
    props.defaultQuery = cfg.defaultQuery;
  }
  if (cfg.defaultVariables && !(store && store.getItem(NS + 'tabState'))) {
    // A first visit (no saved tabs): the default query with its variables, and the
    // Variables pane open so they are seen. GraphiQL 4.1.2 builds the first tab from
    // defaultTabs but fills the variables editor from the variables prop, so both are
    // set; only on a first visit, as the prop would otherwise replace saved variables.
    props.defaultTabs = [{ query: cfg.defaultQuery || null, variables: cfg.defaultVariables }];
    props.variables = cfg.defaultVariables;
    props.defaultEditorToolsVisibility = 'variables';
  }

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
