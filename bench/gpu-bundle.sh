#!/usr/bin/env bash
# Packs what a GPU machine without dotnet needs to run our CUDA checks (bench/gpu-check.sh there): this machine's
# .NET runtime (the `dotnet` host and the NETCore/AspNetCore shared frameworks), framework-dependent Release builds
# of the CLI, the bench and the kernel tests, and xUnit's console runner. One runtime serves all three, which keeps
# the archive under the device tool's 64 MiB (three self-contained publishes would not fit).
# Usage: bash bench/gpu-bundle.sh   → .gpu/bundle.tar.gz (ignored by git; carry `.gpu` to the device)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/dotnet/shared" "$stage/apps"
cp -a "$root/dotnet" "$root/host" "$stage/dotnet/"
cp -a "$root/shared/Microsoft.NETCore.App" "$root/shared/Microsoft.AspNetCore.App" "$stage/dotnet/shared/"

dotnet build src/Resif.Gpu.Cli -c Release -o "$stage/apps/cli" -v q -nologo
dotnet build bench/Resif.Gpu.Bench -c Release -o "$stage/apps/bench" -v q -nologo
dotnet build tests/Resif.Gpu.Kernels.Tests -c Release -o "$stage/apps/ktests" -v q -nologo

# xUnit 2's console runner (2.4.1 is the newest served; it runs 2.9 test assemblies, rolled forward to .NET 10).
runner_project="$stage/runner-restore"
mkdir -p "$runner_project"
cat > "$runner_project/r.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><PackageDownload Include="xunit.runner.console" Version="[2.4.1]" /></ItemGroup>
</Project>
XML
dotnet restore "$runner_project/r.csproj" -v q --packages "$runner_project/packages" >/dev/null
cp -a "$runner_project/packages/xunit.runner.console/2.4.1/tools/netcoreapp2.0" "$stage/apps/xunit"
rm -rf "$runner_project"
# Of no use on a linux-x64 machine: resource translations, other platforms' native libraries (BenchmarkDotNet's
# Windows tracing helpers are most of the bench's size).
find "$stage/apps" -mindepth 2 -maxdepth 2 -type d -regex '.*/\(cs\|de\|es\|fr\|it\|ja\|ko\|pl\|pt-BR\|ru\|tr\|zh-Hans\|zh-Hant\|x86\|amd64\|arm64\)' -exec rm -rf {} +
find "$stage/apps" -mindepth 3 -maxdepth 3 -path '*/runtimes/*' -type d ! -name linux-x64 -exec rm -rf {} +

mkdir -p .gpu
rm -f .gpu/bundle.tar.*
tar -C "$stage" -cf - dotnet apps | xz -6 -T0 > .gpu/bundle.tar.xz
ls -l .gpu/bundle.tar.xz
