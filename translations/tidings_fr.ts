<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>Tidings::Ui::MainWindow</name>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>No accounts yet. Add one from File → Add Account.</source>
        <translation>Aucun compte pour l’instant. Ajoutez-en un : Fichier → Ajouter un compte.</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Aide</translation>
    </message>
    <message>
        <source>&amp;About Tidings</source>
        <translation>À &amp;propos de Tidings</translation>
    </message>
    <message>
        <source>About Tidings</source>
        <translation>À propos de Tidings</translation>
    </message>
    <message>
        <source>Tidings %1
A mail client for many mailboxes.</source>
        <translation>Tidings %1
Un client de messagerie pour de nombreuses boîtes.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>A mail client for many mailboxes.</source>
        <translation>Un client de messagerie pour de nombreuses boîtes.</translation>
    </message>
    <message>
        <source>Use the profile in &lt;dir&gt;.</source>
        <translation>Utiliser le profil du dossier &lt;dir&gt;.</translation>
    </message>
    <message>
        <source>Start with demo accounts on a local demo server.</source>
        <translation>Démarrer avec des comptes de démonstration sur un serveur local.</translation>
    </message>
</context>
</TS>
