#!/usr/bin/env pwsh
# build.ps1 - set up, build, test, run and benchmark mOS-NG. Same verbs as build.sh.
#
#   dotnet pwsh -NoProfile -File build.ps1 run     build (setting up what is missing) and run the main job
#   dotnet pwsh -NoProfile -File build.ps1 test    build (setting up what is missing) and run every test
#
# Other verbs: setup, build, bench, bindings [--check], fuzz [SECONDS], format,
# format-check, clean, help.
param(
    [Parameter(Position = 0)][string]$Verb = 'help',
    [Parameter(Position = 1, ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$Root = $PSScriptRoot
$Build = Join-Path $Root 'build'
$Native = Join-Path $Build 'native'
$Asan = Join-Path $Build 'asan'
$NoUnity = Join-Path $Build 'nounity'
$Fuzz = Join-Path $Build 'fuzz'
$Bin = Join-Path $Build 'bin'
$Mos = Join-Path $Bin 'mos'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

$Verbs = 'setup build test run bench bindings fuzz format format-check clean help'
$AptPackages = @(
    'build-essential', 'cmake', 'ninja-build', 'pkg-config', 'git', 'ca-certificates', 'python3',
    'dpdk-dev', 'libpcap-dev', 'libnuma-dev', 'libbsd-dev',
    'clang-14', 'libclang1-14', 'libclang-common-14-dev', 'libclang-rt-14-dev',
    'iproute2', 'nftables', 'iputils-ping', 'arping', 'curl', 'nginx-light', 'wrk', 'iperf3', 'libnids-dev',
    'valgrind'
)

function Log([string]$Message) { [Console]::Error.WriteLine("==> $Message") }

# Runs a native command and throws when it fails (PowerShell does not by itself).
function Invoke-Native {
    param([Parameter(Mandatory)][string]$Command, [string[]]$Arguments = @())
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-MissingPackages {
    $missing = @()
    foreach ($p in $AptPackages) {
        $status = & dpkg-query -W '-f=${Status}' $p 2>$null
        if ($LASTEXITCODE -ne 0 -or "$status" -notmatch 'install ok installed') { $missing += $p }
    }
    return , $missing
}

function Invoke-Setup {
    $missing = Get-MissingPackages
    if ($missing.Count -gt 0) {
        Log "installing Debian packages: $($missing -join ' ')"
        $sudo = @()
        if ((& id -u) -ne '0') { $sudo = @('sudo') }
        $env:DEBIAN_FRONTEND = 'noninteractive'
        if ($sudo.Count) {
            Invoke-Native 'sudo' (@('apt-get', 'update', '-q'))
            Invoke-Native 'sudo' (@('apt-get', 'install', '-y', '-q', '--no-install-recommends') + $missing)
        } else {
            Invoke-Native 'apt-get' @('update', '-q')
            Invoke-Native 'apt-get' (@('install', '-y', '-q', '--no-install-recommends') + $missing)
        }
    }
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) { throw 'the .NET SDK (dotnet) is not on PATH' }
    Push-Location $Root
    try { Invoke-Native 'dotnet' @('tool', 'restore') | Out-Null } finally { Pop-Location }
}

function Confirm-Setup {
    $missing = Get-MissingPackages
    if ($missing.Count -gt 0 -or -not (Get-Command cmake -ErrorAction SilentlyContinue)) { Invoke-Setup }
}

function Invoke-Configure([string]$Dir, [string[]]$Extra = @()) {
    Invoke-Native 'cmake' (@('-S', (Join-Path $Root 'native'), '-B', $Dir, '-G', 'Ninja',
            '-DCMAKE_BUILD_TYPE=RelWithDebInfo') + $Extra) | Out-Null
}

function Invoke-BuildNative {
    Log "native: configure and build ($Native)"
    Invoke-Configure $Native
    Invoke-Native 'cmake' @('--build', $Native)
}

function Invoke-BuildManaged {
    Log 'managed: build'
    Invoke-Native 'dotnet' @('build', (Join-Path $Root 'mos-ng.slnx'), '-c', 'Release', '-v', 'q', '-nologo',
        "-p:MosNativeBuildDir=$Native/")
    Log "managed: publish the NativeAOT mos executable ($Mos)"
    Invoke-Native 'dotnet' @('publish', (Join-Path $Root 'managed/Mos.Host/Mos.Host.csproj'), '-c', 'Release',
        '-r', 'linux-x64', '-v', 'q', '-nologo', "-p:MosNativeBuildDir=$Native/", '-o', $Bin)
}

function Invoke-Build { Invoke-BuildNative; Invoke-BuildManaged }

function Invoke-Bindings([string[]]$Arguments = @()) {
    $extra = @()
    if ($Arguments -contains '--check') { $extra = @('--check') }
    Invoke-Native 'dotnet' (@('run', '--project', (Join-Path $Root 'bindings/Mos.Bindings.Generator'), '-c', 'Release',
            '-v', 'q', '--', '--repo', $Root) + $extra)
}

# --- test -------------------------------------------------------------------------------
$script:Passed = 0
$script:Failed = 0

function Add-CTestCounts([string]$LogFile) {
    $line = Select-String -Path $LogFile -Pattern '(\d+)% tests passed, (\d+) tests? failed out of (\d+)' | Select-Object -Last 1
    if (-not $line) { $script:Failed++; return }
    $failed = [int]$line.Matches[0].Groups[2].Value
    $total = [int]$line.Matches[0].Groups[3].Value
    $script:Passed += $total - $failed
    $script:Failed += $failed
}

function Add-DotnetCounts([string]$LogFile) {
    $lines = Select-String -Path $LogFile -Pattern '(Passed|Failed)!.*Failed: *(\d+), *Passed: *(\d+)'
    if (-not $lines) { $script:Failed++; return }
    foreach ($l in $lines) {
        $script:Failed += [int]$l.Matches[0].Groups[2].Value
        $script:Passed += [int]$l.Matches[0].Groups[3].Value
    }
}

function Invoke-Check([string]$Name, [scriptblock]$Block) {
    Log "check: $Name"
    try { & $Block; $script:Passed++ } catch { Log "check FAILED: $Name ($_)"; $script:Failed++ }
}

function Invoke-Tee([string]$LogFile, [scriptblock]$Block) {
    & $Block 2>&1 | ForEach-Object { "$_" } | Tee-Object -FilePath $LogFile | Out-Host
}

function Invoke-Test {
    $logs = Join-Path $Build 'logs'
    New-Item -ItemType Directory -Force -Path $logs | Out-Null
    Invoke-Build
    Log 'C tests (unity build)'
    Invoke-Tee (Join-Path $logs 'ctest.log') { & ctest --test-dir $Native --output-on-failure -j2 }
    Add-CTestCounts (Join-Path $logs 'ctest.log')

    Log 'C tests under AddressSanitizer + UndefinedBehaviorSanitizer'
    Invoke-Configure $Asan @('-DMOS_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=Debug')
    Invoke-Native 'cmake' @('--build', $Asan)
    $env:ASAN_OPTIONS = 'detect_leaks=1:abort_on_error=1'
    $env:UBSAN_OPTIONS = 'print_stacktrace=1'
    Invoke-Tee (Join-Path $logs 'ctest-asan.log') { & ctest --test-dir $Asan --output-on-failure -j2 }
    Add-CTestCounts (Join-Path $logs 'ctest-asan.log')

    Invoke-Check 'non-unity build compiles' {
        Invoke-Configure $NoUnity @('-DMOS_UNITY=OFF'); Invoke-Native 'cmake' @('--build', $NoUnity) | Out-Null }
    Invoke-Check 'generated bindings are current' { Invoke-Bindings @('--check') }
    Invoke-Check 'C sources are clang-formatted' { Invoke-FormatCheck }
    Invoke-Check 'build.sh knows the same verbs as build.ps1' {
        $sh = (& bash (Join-Path $Root 'build.sh') verbs)
        if ($sh -ne $Verbs) { throw "build.sh verbs '$sh' != build.ps1 verbs '$Verbs'" } }

    Log 'C# tests'
    Invoke-Tee (Join-Path $logs 'dotnet-test.log') {
        & dotnet test (Join-Path $Root 'mos-ng.slnx') -c Release --no-build -v q -nologo "-p:MosNativeBuildDir=$Native/" }
    Add-DotnetCounts (Join-Path $logs 'dotnet-test.log')

    Write-Output "$script:Passed passed, $script:Failed failed"
    if ($script:Failed -ne 0) { exit 1 }
}

# --- run, bench, fuzz, format ------------------------------------------------------------
# The main job: replay the bundled capture (samples/, see samples/PROVENANCE.md) through the
# monitor apps and show what they found.
function Invoke-Run {
    Invoke-Build
    $sample = Join-Path $Root 'samples/three-http-streams.pcap'
    $flowdump = Join-Path $Build 'flowdump'
    Log 'mos version'; Invoke-Native $Mos @('version')
    Log 'mos config check config/*.conf'
    $confs = Get-ChildItem -Path (Join-Path $Root 'config') -Filter '*.conf' | Sort-Object Name | ForEach-Object { $_.FullName }
    Invoke-Native $Mos (@('config', 'check') + $confs)
    Log 'mos midstat --pcap samples/three-http-streams.pcap --once (connections, final states)'
    Invoke-Native $Mos @('midstat', '--pcap', $sample, '--once')
    Log 'mos flowdump --pcap samples/three-http-streams.pcap --out build/flowdump (reassembled streams)'
    Invoke-Native $Mos @('flowdump', '--pcap', $sample, '--out', $flowdump)
    Log 'build/flowdump/index.tsv'
    Get-Content (Join-Path $flowdump 'index.tsv')
    Log "build/flowdump: each stream file's first line (up to 100 characters)"
    $files = @(Get-ChildItem -Path $flowdump -Filter '*.c2s' | Sort-Object Name) + @(Get-ChildItem -Path $flowdump -Filter '*.s2c' | Sort-Object Name)
    foreach ($f in $files) {
        $first = Get-Content -LiteralPath $f.FullName -TotalCount 1
        $line = "$first" -replace "`r", ''
        if ($line.Length -gt 100) { $line = $line.Substring(0, 100) }
        Write-Output ("{0}: {1}" -f $f.Name, $line)
    }
}

function Invoke-Bench {
    Invoke-Build
    Invoke-Native (Join-Path $Root 'bench/run.sh') @($Build)
}

function Invoke-Fuzz([string[]]$Arguments = @()) {
    $seconds = 60
    if ($Arguments.Count -gt 0) { $seconds = [int]$Arguments[0] }
    Log "fuzz: libFuzzer build with clang-14 ($Fuzz)"
    $env:CC = 'clang-14'
    Invoke-Configure $Fuzz @('-DMOS_FUZZ=ON', '-DMOS_WITH_DPDK=OFF', '-DCMAKE_BUILD_TYPE=Debug')
    Remove-Item Env:CC
    Invoke-Native 'cmake' @('--build', $Fuzz)
    foreach ($f in Get-ChildItem -Path (Join-Path $Fuzz 'tests') -Filter 'fuzz_*' -File) {
        $name = $f.Name.Substring(5)
        $corpus = Join-Path $Fuzz "corpus/$name"
        New-Item -ItemType Directory -Force -Path $corpus | Out-Null
        Log "fuzz: $name for ${seconds}s"
        Invoke-Native $f.FullName @("-max_total_time=$seconds", $corpus, (Join-Path $Root "tests/native/fuzz/corpus/$name"))
    }
}

function Get-CSources {
    Get-ChildItem -Path (Join-Path $Root 'native'), (Join-Path $Root 'tests/native') -Recurse -Include '*.c', '*.h' |
        ForEach-Object { $_.FullName }
}
function Invoke-Format { Invoke-Native 'clang-format' (@('-i') + (Get-CSources)) }
function Invoke-FormatCheck { Invoke-Native 'clang-format' (@('--dry-run', '--Werror') + (Get-CSources)) }

function Show-Help {
    Get-Content $PSCommandPath | Select-Object -Skip 1 -First 8 | ForEach-Object { $_ -replace '^# ?', '' }
}

switch ($Verb) {
    'setup' { Invoke-Setup }
    'build' { Confirm-Setup; Invoke-Build }
    'test' { Confirm-Setup; Invoke-Test }
    'run' { Confirm-Setup; Invoke-Run }
    'bench' { Confirm-Setup; Invoke-Bench }
    'bindings' { Invoke-Bindings $Rest }
    'fuzz' { Confirm-Setup; Invoke-Fuzz $Rest }
    'format' { Invoke-Format }
    'format-check' { Invoke-FormatCheck }
    'clean' { if (Test-Path $Build) { Remove-Item -Recurse -Force $Build } }
    'verbs' { Write-Output $Verbs }
    { $_ -in 'help', '-h', '--help' } { Show-Help }
    default { [Console]::Error.WriteLine("build.ps1: unknown verb '$Verb' (try: build.ps1 help)"); exit 1 }
}
