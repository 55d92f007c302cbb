/* A stand-in for LINE's LIFF SDK in the demo and tests: never used in production.
 *
 * The LINE user is taken from ?user=U... or ?simUser=U... (remembered in localStorage). The ID
 * token comes from the LINE emulator's control API, POST /_emulator/id-tokens
 * {userId, channelId}, relayed by the bot at /liff/standin/id-token because
 * the emulator answers no CORS preflight.
 */
(function () {
  "use strict";

  var USER_KEY = "liff-standin:user";
  var state = { userId: null, idToken: null, config: null };

  function fetchToken() {
    var channelId = (window.CARD_CONFIG || {}).channelId || "";
    return fetch("/liff/standin/id-token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ userId: state.userId, channelId: channelId })
    }).then(function (response) {
      if (!response.ok) { throw new Error("the emulator gave no ID token"); }
      return response.json();
    }).then(function (body) {
      state.idToken = body.idToken;
    });
  }

  window.liff = {
    standin: true,
    init: function (options) {
      state.config = options || {};
      // ?user= when opened by hand; ?simUser= when the LINE simulator opens it.
      var params = new URLSearchParams(window.location.search);
      var fromUrl = params.get("user") || params.get("simUser");
      if (fromUrl) { window.localStorage.setItem(USER_KEY, fromUrl); }
      state.userId = fromUrl || window.localStorage.getItem(USER_KEY);
      return state.userId ? fetchToken() : Promise.resolve();
    },
    isLoggedIn: function () { return Boolean(state.userId && state.idToken); },
    isInClient: function () { return false; },
    login: function () {
      if (!state.userId) {
        document.getElementById("card-status").textContent =
          "デモ: URL に ?user=<LINEユーザーID> を付けて開いてください";
        return Promise.resolve();
      }
      return fetchToken();
    },
    getIDToken: function () { return state.idToken; },
    getDecodedIDToken: function () {
      if (!state.idToken) { return null; }
      var payload = state.idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(decodeURIComponent(escape(window.atob(payload))));
    }
  };
}());
