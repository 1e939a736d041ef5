# Enter-CriContainer in a real terminal: tmux runs pwsh, send-keys types, capture-pane reads the screen.
BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Enter-CriContainer in a terminal' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-tty" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-tty")
        $sleeper = $pod | New-CriContainer "$prefix-sleeper" $TestImage -Command sleep -Argument 3600
        $sleeper | Start-CriContainer
        # A container whose main process is an interactive shell on a terminal (docker run -it), for -Attach.
        $shell = $pod | New-CriContainer -Config @{ metadata = @{ name = "$prefix-shell" }; image = @{ image = $TestImage }
            command = @('sh'); tty = $true; stdin = $true }
        $shell | Start-CriContainer

        # One tmux server of this test's own (-L), so it inherits this environment and no user's tmux is touched.
        $tmux = "crips-$prefix"
        $pwsh = (Get-PwshCommand) -join ' '
        $module = Split-Path -Parent (Get-Module CriPS).Path
        function Invoke-Tmux { & tmux -L $tmux @args; if ($LASTEXITCODE) { throw "tmux $args failed ($LASTEXITCODE)" } }
        function Get-Screen { (& tmux -L $tmux capture-pane -p -J -S -200 -t main 2>&1) -join "`n" }
        # Waits until the screen matches; returns it. Conditions, never sleeps: each step waits for its own answer.
        function Wait-Screen([string] $Pattern, [int] $TimeoutSec = 20) {
            $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
            do {
                $screen = Get-Screen
                if ($screen -match $Pattern) { return $screen }
                Start-Sleep -Milliseconds 100
            } while ([datetime]::UtcNow -lt $deadline)
            throw "The terminal did not show /$Pattern/ within $TimeoutSec s; it shows:`n$screen"
        }
        function Send-Line([string] $Text) { Invoke-Tmux send-keys -t main -l $Text; Invoke-Tmux send-keys -t main Enter }
        function Start-Terminal([int] $Columns = 100, [int] $Rows = 30) {
            Invoke-Tmux -f /dev/null new-session -d -s main -x $Columns -y $Rows "$pwsh -NoProfile -NoLogo"
            Invoke-Tmux set-option -g status off
            Wait-Screen '(?m)^PS [^\n]*>\s*$' | Out-Null
            Send-Line "Import-Module '$module'; `$PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = '$Endpoint'; 'ready-' + (6*7)"
            Wait-Screen 'ready-42' | Out-Null
        }
        function Stop-Terminal { & tmux -L $tmux kill-server 2>$null }
        # One pwsh for all cases (it takes seconds to start): each case begins on a clean screen at its prompt.
        Start-Terminal
        function Clear-Terminal {
            Send-Line 'Clear-Host'
            Invoke-Tmux clear-history -t main
            Wait-Screen '\A\s*PS [^\n]*>\s*\z' | Out-Null
        }
    }
    AfterAll {
        Stop-Terminal
        Remove-TestPods $prefix
    }
    BeforeEach { Clear-Terminal }

    It 'runs a shell: keys go through, the answers come back, exit 3 leaves 3 in $LASTEXITCODE' {
        Send-Line "Enter-CriContainer $($sleeper.Id)"
        Wait-Screen '(?m)^/ # $' | Out-Null
        # The shell computes the answer, so the line on screen is its output and not the echo of what was typed.
        Send-Line 'echo "in-$(hostname)-$((40+2))"'
        Wait-Screen "in-$prefix-tty-42" | Out-Null
        Send-Line 'exit 3'
        Wait-Screen '(?m)^PS [^\n]*>\s*$' | Out-Null
        Send-Line '"code=$LASTEXITCODE"'
        Wait-Screen 'code=3' | Out-Null
    }

    It 'sends the window size at the start and again after a resize (stty size)' {
        Invoke-Tmux resize-window -t main -x 100 -y 30
        Send-Line "Enter-CriContainer $($sleeper.Id)"
        Wait-Screen '(?m)^/ # $' | Out-Null
        Send-Line 'echo "size=$(stty size)"'
        Wait-Screen '(?m)^size=30 100' | Out-Null
        Invoke-Tmux resize-window -t main -x 123 -y 41
        Send-Line 'echo "size=$(stty size)"'
        Wait-Screen '(?m)^size=41 123' | Out-Null
        Send-Line 'exit'
        Wait-Screen '(?m)^PS [^\n]*>\s*$' | Out-Null
    }

    It 'gives Ctrl+C to the process in the container: sleep stops, the session goes on' {
        Send-Line "Enter-CriContainer $($sleeper.Id)"
        Wait-Screen '(?m)^/ # $' | Out-Null
        Send-Line 'sleep 300'
        # The sleep runs in the container (ps there shows it) before Ctrl+C is sent.
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while (-not (($ps = (Invoke-CriContainerCommand -Id $sleeper.Id -Command ps).Stdout) -match 'sleep 300') -and [datetime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 100
        }
        $ps | Should -Match 'sleep 300'
        Invoke-Tmux send-keys -t main C-c
        # SIGINT ended the sleep (128 + 2) and the shell, still there, says so.
        Send-Line 'echo "status-$?"'
        Wait-Screen 'status-130' | Out-Null
        (Invoke-CriContainerCommand -Id $sleeper.Id -Command ps).Stdout | Should -Not -Match 'sleep 300'
        Send-Line 'exit 0'
        Wait-Screen '(?m)^PS [^\n]*>\s*$' | Out-Null
        Send-Line '"code=$LASTEXITCODE"'
        Wait-Screen 'code=0' | Out-Null
    }

    It 'attaches to the main process with -Attach; its exit ends the session and the container, with its code' {
        Send-Line "Enter-CriContainer $($shell.Id) -Attach"
        # An attach shows nothing until something is typed (the shell's prompt was printed before), and keys typed
        # before the attach is open can be lost (seen once in CI on 1.7.24): Enter until the shell answers with a prompt.
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        do {
            Invoke-Tmux send-keys -t main Enter
            Start-Sleep -Milliseconds 300
        } until ((Get-Screen) -match '(?m)^/ # $' -or [datetime]::UtcNow -gt $deadline)
        Send-Line 'echo "attached-$((4+4))"'
        Wait-Screen 'attached-8' | Out-Null
        Send-Line 'exit 5'
        Wait-Screen '(?m)^PS [^\n]*>\s*$' | Out-Null
        Send-Line '"code=$LASTEXITCODE"'
        Wait-Screen 'code=5' | Out-Null
        $null = Wait-ContainerState -Id $shell.Id -State Exited
        (Get-CriContainer -Id $shell.Id -All -Detailed).ExitCode | Should -Be 5
    }

    It 'says CriTerminalRequired when its input is not a terminal, and runs nothing' {
        $pwshArgs = Get-PwshCommand
        $script = "Import-Module '$module'; try { Enter-CriContainer $($sleeper.Id) -RuntimeEndpoint '$Endpoint' -Command touch, /tmp/entered -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category }"
        $out = '' | & $pwshArgs[0] @($pwshArgs | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
        $out[0] | Should -BeLike 'CriTerminalRequired,*'
        $out[1] | Should -Be 'InvalidOperation'
        (Invoke-CriContainerCommand -Id $sleeper.Id -Command ls, /tmp).Stdout | Should -Not -Match 'entered'
    }
}
