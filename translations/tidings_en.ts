<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Tidings::Ui::MainWindow</name>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>No accounts yet. Add one from File → Add Account.</source>
        <translation>No accounts yet. Add one from File → Add Account.</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>&amp;About Tidings</source>
        <translation>&amp;About Tidings</translation>
    </message>
    <message>
        <source>About Tidings</source>
        <translation>About Tidings</translation>
    </message>
    <message>
        <source>Tidings %1
A mail client for many mailboxes.</source>
        <translation>Tidings %1
A mail client for many mailboxes.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>A mail client for many mailboxes.</source>
        <translation>A mail client for many mailboxes.</translation>
    </message>
    <message>
        <source>Use the profile in &lt;dir&gt;.</source>
        <translation>Use the profile in &lt;dir&gt;.</translation>
    </message>
    <message>
        <source>Start with demo accounts on a local demo server.</source>
        <translation>Start with demo accounts on a local demo server.</translation>
    </message>
</context>
</TS>
