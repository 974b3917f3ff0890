<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>Tidings::Ui::MainWindow</name>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>No accounts yet. Add one from File → Add Account.</source>
        <translation>Учётных записей пока нет. Добавьте её: Файл → Добавить учётную запись.</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>В&amp;ыход</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Справка</translation>
    </message>
    <message>
        <source>&amp;About Tidings</source>
        <translation>&amp;О программе Tidings</translation>
    </message>
    <message>
        <source>About Tidings</source>
        <translation>О программе Tidings</translation>
    </message>
    <message>
        <source>Tidings %1
A mail client for many mailboxes.</source>
        <translation>Tidings %1
Почтовая программа для многих ящиков.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>A mail client for many mailboxes.</source>
        <translation>Почтовая программа для многих ящиков.</translation>
    </message>
    <message>
        <source>Use the profile in &lt;dir&gt;.</source>
        <translation>Использовать профиль в каталоге &lt;dir&gt;.</translation>
    </message>
    <message>
        <source>Start with demo accounts on a local demo server.</source>
        <translation>Запустить с демонстрационными учётными записями на локальном сервере.</translation>
    </message>
</context>
</TS>
