// Passkeys (WebAuthn) for the second step and for enrolment.
// The server's options and the browser's answers carry bytes as base64url text.
(function () {
  "use strict";

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBytes(item.id) }); });
  }

  // A credential as the server reads it: its ceremony's own response fields beside the shared ones.
  function asJSON(credential, fields) {
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: Object.assign({ clientDataJSON: toText(credential.response.clientDataJSON) }, fields),
    };
  }

  async function post(box, url, body) {
    const token = box.querySelector("input[name=csrfmiddlewaretoken]").value;
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error(data.detail || box.dataset.failed);
    return data;
  }

  async function register(box) {
    const options = await post(box, box.dataset.optionsUrl);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    const credential = await navigator.credentials.create({ publicKey: options });
    const response = credential.response;
    const nameInput = box.querySelector("[data-passkey-name]");
    return post(box, box.dataset.url, {
      next: box.dataset.next,
      name: nameInput ? nameInput.value : "",
      credential: asJSON(credential, {
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      }),
    });
  }

  async function verify(box) {
    const options = await post(box, box.dataset.optionsUrl);
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    const credential = await navigator.credentials.get({ publicKey: options });
    const response = credential.response;
    return post(box, box.dataset.url, {
      next: box.dataset.next,
      credential: asJSON(credential, {
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : null,
      }),
    });
  }

  document.querySelectorAll("[data-passkey]").forEach(function (box) {
    const button = box.querySelector("[data-passkey-start]");
    const error = box.querySelector("[data-passkey-error]");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      button.disabled = true;
      box.querySelector("[data-passkey-unsupported]").hidden = false;
      return;
    }
    button.addEventListener("click", async function () {
      button.disabled = true;
      error.hidden = true;
      try {
        const result = await (box.dataset.passkey === "register" ? register(box) : verify(box));
        window.location.assign(result.redirect);
      } catch (problem) {
        // A cancelled or timed-out browser prompt is a DOMException with its own English text.
        error.textContent = problem instanceof DOMException ? box.dataset.failed : problem.message;
        error.hidden = false;
        button.disabled = false;
      }
    });
  });
})();
