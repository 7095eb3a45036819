// World Prior Lab: the page's entry. Everything else lives in the components under src/ui/.
import './ui/lab-app';

document.documentElement.dataset['labState'] ??= 'loading';
