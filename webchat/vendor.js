// Copies the socket.io-client browser build (installed by `npm ci` from package-lock.json)
// into public/vendor/. The copy is committed, so `make run` needs no npm at all;
// run `npm ci && npm run vendor` only to upgrade. The source-map comment is stripped
// because the .map file is not shipped.
const fs = require("fs");
const path = require("path");
const pkgDir = path.dirname(require.resolve("socket.io-client/package.json"));
const version = require("socket.io-client/package.json").version;
const outDir = path.join(__dirname, "public", "vendor");
fs.mkdirSync(outDir, { recursive: true });
const src = fs
  .readFileSync(path.join(pkgDir, "dist", "socket.io.min.js"), "utf8")
  .replace(/\n?\/\/# sourceMappingURL=.*\s*$/, "\n");
fs.writeFileSync(path.join(outDir, "socket.io.min.js"), src);
fs.copyFileSync(path.join(pkgDir, "LICENSE"), path.join(outDir, "socket.io-client.LICENSE"));
fs.writeFileSync(path.join(outDir, "VERSION"), `socket.io-client ${version}\n`);
console.log(`vendored socket.io-client ${version} (${src.length} bytes)`);
