// "@sockgate/protocol/request": every value a Request's enumerated fields can hold, for
// validators, schemas and UIs that list them.

export { APP_FLAGS, APP_ID_KINDS, REQUEST_FAMILIES, REQUEST_OPERATIONS, REQUEST_PROTOCOLS, UNTRUSTED_PATH_FLAGS } from "./request.js";
