#!/usr/bin/env bash
# Installs `hilbridge` as a command: publishes the CLI as one framework-dependent file (needs the .NET 10
# runtime, which the SDK brings), puts a `hilbridge` wrapper on the PATH that finds this checkout's
# qemu-scripts/, and installs completion for bash, zsh and fish. Run it again after pulling to update.
#
#   bash qemu-scripts/install.sh            # root: /usr/local; otherwise ~/.local (PREFIX=... to choose)
#
# Cost: ~30 s of CPU on 2 cores (a RID-specific build of the CLI); it changes nothing outside PREFIX.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -eq 0 ]; then prefix=${PREFIX:-/usr/local}; else prefix=${PREFIX:-$HOME/.local}; fi
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "install.sh: no .NET runtime identifier known for $(uname -m)" >&2; exit 3 ;;
esac
command -v dotnet >/dev/null || { echo "install.sh: dotnet not found; install the .NET 10 SDK first" >&2; exit 3; }

lib="$prefix/lib/hilbridge"
echo "publishing hilbridge ($rid) to $lib" >&2
dotnet publish "$repo/bridge/HilBridge.Cli/HilBridge.Cli.csproj" -c Release -r "$rid" --self-contained false \
  -p:PublishSingleFile=true -p:DebugType=none -o "$lib" -nologo -v q >&2

mkdir -p "$prefix/bin"
# The wrapper, not a symlink: the tool finds qemu-scripts/ through HILBRIDGE_SCRIPTS when run outside the checkout.
cat > "$prefix/bin/hilbridge" <<WRAPPER
#!/bin/sh
# Installed by $repo/qemu-scripts/install.sh
: "\${HILBRIDGE_SCRIPTS:=$repo/qemu-scripts}"
export HILBRIDGE_SCRIPTS
exec "$lib/hilbridge" "\$@"
WRAPPER
chmod 755 "$prefix/bin/hilbridge"

# bash and fish load these folders by themselves (under /usr/local or ~/.local); zsh's compctl script is sourced.
completions="$prefix/share/bash-completion/completions"
fish="$prefix/share/fish/vendor_completions.d"
zsh="$prefix/share/hilbridge"
mkdir -p "$completions" "$fish" "$zsh"
"$prefix/bin/hilbridge" completion bash > "$completions/hilbridge"
"$prefix/bin/hilbridge" completion fish > "$fish/hilbridge.fish"
"$prefix/bin/hilbridge" completion zsh > "$zsh/hilbridge.zsh"

echo "installed $prefix/bin/hilbridge (completion: $completions/hilbridge, $fish/hilbridge.fish; zsh: add 'source $zsh/hilbridge.zsh' to ~/.zshrc)" >&2
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on PATH; add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" >&2 ;;
esac
