// inspectrack's one script: an ES module loaded with <script type="module">.
//
// Pages work without it; it only enhances GOV.UK Frontend and MOJ Frontend
// components (those with a data-module attribute).
//
// The two imports name the unhashed files; web/build-assets.sh rewrites them
// to the content-hashed names that web/static serves as immutable, so this
// file's own hash changes whenever theirs do.

import { initAll as initGOVUKFrontend } from "./govuk-frontend.min.4e8b95d5.js";
import { initAll as initMOJFrontend } from "./moj-frontend.min.1be66f54.js";

// GOV.UK Frontend only styles and starts its JavaScript components when the
// body carries this class. The usual inline <script> that adds it is not
// allowed by the Content-Security-Policy (default-src 'self'), so it is added
// here. A module script runs after the document is parsed, so body exists.
document.body.classList.add("govuk-frontend-supported");

initGOVUKFrontend();
initMOJFrontend();
